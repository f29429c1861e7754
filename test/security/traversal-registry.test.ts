/**
 * The traversal corpus against the model registry: every model name, alias, version ref, tag key and metric
 * name, and `registry:<model>@<ref>` references. Names are refused (InvalidName, InvalidInput), never matched
 * against files, and a registry reference resolves only to a verified artifact inside the store.
 */
import { join } from 'node:path';
import { openArtifactStore } from '../../lib/artifacts';
import { openRegistry } from '../../lib/registry';
import type { ModelRegistry } from '../../lib/registry';
import { registerModelFile, resolveModelPath } from '../../lib/registry/register-model';
import type { RegistryContext } from '../../lib/registry/register-model';
import { registration } from '../fixtures/registry/inputs';
import {
  NAME_CORPUS,
  absoluteOutside,
  escapes,
  isInside,
  makeSandbox,
  pathCorpus,
  snapshotOutside,
  outcomeOf,
} from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

const MODEL = join(__dirname, '..', 'fixtures', 'evaluation', 'binary', 'model.onnx');

let sandbox: Sandbox;
let before: OutsideSnapshot;
let registry: ModelRegistry;
let ctx: RegistryContext;
const outputs: string[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox('home');
  registry = openRegistry(sandbox.root);
  ctx = { registry, store: openArtifactStore(sandbox.root) };
  await registerModelFile(ctx, { model: 'iris', modelPath: MODEL, idempotencyKey: 'security-1' });
  await registry.promote({ model: 'iris', version: 1 });
  before = await snapshotOutside(sandbox);
});

afterAll(async () => {
  await registry.close();
  await sandbox.cleanup();
});

const outcome = (call: () => unknown) => outcomeOf(call, outputs);

/** Runs every call on every corpus entry; returns the entries whose outcome is not one of `allowed`. */
async function unrefused(
  calls: Record<string, (entry: string) => unknown>,
  allowed: readonly string[],
  corpus: readonly string[] = NAME_CORPUS,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const entry of corpus) {
    for (const [what, call] of Object.entries(calls)) {
      const type = await outcome(() => call(entry));
      if (!allowed.includes(type)) wrong.push(`${what}(${JSON.stringify(entry).slice(0, 80)}) -> ${type}`);
    }
  }
  return wrong;
}

describe('model registry against the traversal corpus', () => {
  it('refuses every corpus entry as a model name in every operation', async () => {
    const wrong = await unrefused(
      {
        registerVersion: (name) => registry.registerVersion(registration(name, `key-${name}`)),
        registerModelFile: (name) => registerModelFile(ctx, { model: name, modelPath: MODEL, idempotencyKey: name }),
        getVersion: (name) => registry.getVersion(name, 'latest'),
        listVersions: (name) => registry.listVersions(name),
        setAlias: (name) => registry.setAlias({ model: name, alias: 'staging', version: 1 }),
        removeAlias: (name) => registry.removeAlias({ model: name, alias: 'staging' }),
        promote: (name) => registry.promote({ model: name, version: 1 }),
        rollback: (name) => registry.rollback({ model: name }),
        archive: (name) => registry.archive({ model: name, version: 1 }),
        lineage: (name) => registry.lineage(name, '1'),
        getRoutes: (name) => registry.getRoutes(name),
        setRoutes: (name) => registry.setRoutes({ model: name, stable: 1, canaryWeight: 0 }),
        events: (name) => registry.events({ model: name }),
      },
      ['InvalidName'],
    );
    expect(wrong).toEqual([]);
  });

  it('refuses every corpus entry as an alias, a version ref, a tag key and a metric name', async () => {
    const wrong = await unrefused(
      {
        setAlias: (alias) => registry.setAlias({ model: 'iris', alias, version: 1 }),
        removeAlias: (alias) => registry.removeAlias({ model: 'iris', alias }),
        getVersion: (ref) => registry.getVersion('iris', ref),
        lineage: (ref) => registry.lineage('iris', ref),
        tag: (key) => registry.registerVersion(registration('iris', `tag-${key}`, { tags: { [key]: 'x' } })),
        metric: (key) => registry.registerVersion(registration('iris', `metric-${key}`, { metrics: { [key]: 1 } })),
      },
      ['InvalidName', 'InvalidInput'],
    );
    expect(wrong).toEqual([]);
  });

  it('resolves registry:<model>@<ref> only to the verified artifact inside the store', async () => {
    const stored = await resolveModelPath(ctx, 'registry:iris@champion');
    expect(isInside(join(sandbox.root, 'artifacts'), stored)).toBe(true);
    const refs = [...NAME_CORPUS, ...pathCorpus(sandbox), ...absoluteOutside(sandbox)].flatMap((entry) => [
      `registry:${entry}@1`,
      `registry:iris@${entry}`,
      `registry:${entry}`,
    ]);
    const wrong = await unrefused(
      { resolveModelPath: (ref) => resolveModelPath(ctx, ref) },
      ['InvalidName', 'InvalidInput'],
      refs,
    );
    expect(wrong).toEqual([]);
  });

  it('leaves everything outside the state folder untouched and never shows the secret', async () => {
    expect((await registry.listModels()).map((m) => m.name)).toEqual(['iris']);
    expect(await escapes(sandbox, before, outputs)).toEqual([]);
  });
});
