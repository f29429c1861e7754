/**
 * The traversal corpus against the pipeline spec: the model name (which names folders under MLOPS_HOME and
 * workflow ids) must be a registry name; dataset and contract locations are the author's own files, so they may
 * point anywhere, but never hold control bytes. Specs are read from YAML and JSON files as a user passes them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { outputPath } from '../../activities/output-files';
import { loadPipelineSpec, parsePipelineSpec } from '../../lib/pipeline';
import { NAME_CORPUS, escapes, isInside, makeSandbox, snapshotOutside, outcomeOf, useHome } from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

let sandbox: Sandbox;
let before: OutsideSnapshot;
let restoreHome: () => void;
const outputs: string[] = [];

const valid = {
  model: 'churn',
  datasets: { train: 'data/train.csv', valid: 'data/valid.csv' },
  label: 'churned',
  trainer: { command: 'builtin:mlp' },
};

beforeAll(async () => {
  sandbox = await makeSandbox('home');
  before = await snapshotOutside(sandbox);
  restoreHome = useHome(sandbox.root);
});

afterAll(async () => {
  restoreHome();
  await sandbox.cleanup();
});

const outcome = (call: () => unknown) => outcomeOf(call, outputs);

describe('pipeline spec against the traversal corpus', () => {
  it('refuses every corpus entry as the model name, from an object and from YAML and JSON files', async () => {
    await writeFile(join(sandbox.root, 'valid.yaml'), stringify(valid));
    expect((await loadPipelineSpec(join(sandbox.root, 'valid.yaml'))).model).toBe('churn');
    const wrong: string[] = [];
    for (const [i, model] of NAME_CORPUS.entries()) {
      const spec = { ...valid, model };
      const json = join(sandbox.root, `spec-${i}.json`);
      const yaml = join(sandbox.root, `spec-${i}.yaml`);
      await writeFile(json, JSON.stringify(spec));
      await writeFile(yaml, stringify(spec));
      for (const [what, call] of [
        ['parse', () => parsePipelineSpec(spec, 'spec', sandbox.root)],
        ['json', () => loadPipelineSpec(json)],
        ['yaml', () => loadPipelineSpec(yaml)],
      ] as const) {
        const type = await outcome(call);
        if (type !== 'InvalidInput') wrong.push(`${what} ${JSON.stringify(model).slice(0, 80)} -> ${type}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses control bytes in dataset and contract locations', async () => {
    const wrong: string[] = [];
    for (const bad of ['x\0.csv', 'x\0/../../y.csv', 'x\n.csv', 'data/\r\ntrain.csv', 'a\u007f.csv']) {
      for (const [what, spec] of [
        ['datasets.train', { ...valid, datasets: { ...valid.datasets, train: bad } }],
        ['datasets.holdout', { ...valid, datasets: { ...valid.datasets, holdout: bad } }],
        ['contract', { ...valid, contract: bad }],
      ] as const) {
        const type = await outcome(() => parsePipelineSpec(spec, 'spec', sandbox.root));
        if (type !== 'InvalidInput') wrong.push(`${what} ${JSON.stringify(bad)} -> ${type}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the folder every valid model name makes under MLOPS_HOME inside it', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
    fc.assert(
      fc.property(name, (model) => {
        const spec = parsePipelineSpec({ ...valid, model }, 'spec', sandbox.root);
        const target = outputPath(`lifecycle/${spec.model}/run-1/profile.json`);
        return isInside(join(sandbox.root, 'lifecycle'), target);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves everything outside MLOPS_HOME untouched and never shows the secret', async () => {
    expect(await escapes(sandbox, before, outputs)).toEqual([]);
  });
});
