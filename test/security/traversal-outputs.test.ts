/**
 * The traversal corpus against activity outputs (profiles, reports) named by a relative path: they land under
 * MLOPS_HOME and must never leave it. Absolute paths are the caller's explicit choice and stay as given.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { outputPath, writeJsonOutput } from '../../activities/output-files';
import {
  NAME_CORPUS,
  escapes,
  isInside,
  makeSandbox,
  pathCorpus,
  snapshotOutside,
  outcomeOf,
  useHome,
} from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

let sandbox: Sandbox;
let before: OutsideSnapshot;
let restoreHome: () => void;
const outputs: string[] = [];

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

describe('relative outputs under MLOPS_HOME against the traversal corpus', () => {
  it('writes a relative output under MLOPS_HOME', async () => {
    const written = await writeJsonOutput('lifecycle/churn/run-1/profile.json', { ok: true });
    expect(written).toBe(join(sandbox.root, 'lifecycle', 'churn', 'run-1', 'profile.json'));
    expect(JSON.parse(await readFile(written, 'utf8'))).toEqual({ ok: true });
  });

  it('refuses every relative path that leaves MLOPS_HOME, writing nothing', async () => {
    const wrong: string[] = [];
    for (const path of pathCorpus(sandbox)) {
      const type = await outcome(() => writeJsonOutput(path, { planted: true }));
      if (type !== 'PathOutsideStore') wrong.push(`${JSON.stringify(path)} -> ${type}`);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps odd relative names (look-alikes, long names) inside MLOPS_HOME or refuses them', async () => {
    const wrong: string[] = [];
    for (const name of NAME_CORPUS.filter((n) => n !== '' && !n.startsWith('/') && !n.startsWith('\\\\'))) {
      let target: string | undefined;
      const type = await outcome(() => {
        target = outputPath(`reports/${name}`);
      });
      if (type === 'ok' && !isInside(sandbox.root, target ?? '/')) wrong.push(`${JSON.stringify(name)} -> ${target}`);
      if (type !== 'ok' && type !== 'PathOutsideStore' && type !== 'InvalidInput') {
        wrong.push(`${JSON.stringify(name)} -> ${type}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('leaves everything outside MLOPS_HOME untouched and never shows the secret', async () => {
    expect(await escapes(sandbox, before, outputs)).toEqual([]);
  });
});
