import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '../../lib/registry';
import type { ModelRegistry } from '../../lib/registry';
import { failureType, lineage, registration as input } from '../fixtures/registry/inputs';

let home: string;
let registry: ModelRegistry;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'registry-'));
  registry = openRegistry(home);
});

afterEach(async () => {
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

async function registerMany(model: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) await registry.registerVersion(input(model, `run-${i}`));
}

describe('SqliteModelRegistry aliases', () => {
  it('promotes: old champion becomes previous-champion and a canary on the new champion is cleared', async () => {
    await registerMany('iris', 3);
    expect(await registry.promote({ model: 'iris', version: 1 })).toMatchObject({ champion: 1, changed: true });
    await registry.setAlias({ model: 'iris', alias: 'canary', version: 2 });
    const change = await registry.promote({ model: 'iris', version: 2, reason: 'canary passed' });
    expect(change).toEqual({ model: 'iris', champion: 2, previousChampion: 1, changed: true });
    expect((await registry.getVersion('iris', 'champion')).aliases).toEqual(['champion']);
    expect((await registry.getVersion('iris', 'previous-champion')).version).toBe(1);
    expect(await failureType(() => registry.getVersion('iris', 'canary'))).toBe('NotFound');
    expect(await registry.promote({ model: 'iris', version: 2 })).toMatchObject({ changed: false });
    const promoted = await registry.events({ model: 'iris' }).then((es) => es.filter((e) => e.type === 'promoted'));
    expect(promoted.map((e) => e.data)).toEqual([
      { from: null, to: 1, previousChampion: null, canaryCleared: false, reason: null },
      { from: 1, to: 2, previousChampion: 1, canaryCleared: true, reason: 'canary passed' },
    ]);
  });

  it('rolls back to the previous champion, retry-safely, and refuses without one', async () => {
    await registerMany('iris', 2);
    await registry.promote({ model: 'iris', version: 1 });
    expect(await failureType(() => registry.rollback({ model: 'iris' }))).toBe('RegistryConflict');
    await registry.promote({ model: 'iris', version: 2 });
    const rolled = await registry.rollback({ model: 'iris', expectedChampion: 2, reason: 'error rate' });
    expect(rolled).toEqual({ model: 'iris', champion: 1, previousChampion: 2, changed: true });
    expect(await registry.rollback({ model: 'iris', expectedChampion: 2 })).toMatchObject({ changed: false });
    expect(await failureType(() => registry.rollback({ model: 'iris', expectedChampion: 3 }))).toBe('RegistryConflict');
    expect((await registry.getVersion('iris', 'champion')).version).toBe(1);
    expect((await registry.events({ model: 'iris' })).filter((e) => e.type === 'rolled-back').length).toBe(1);
  });

  it('archives a version, keeping its lineage, and refuses to archive the champion', async () => {
    await registerMany('iris', 3);
    await registry.promote({ model: 'iris', version: 1 });
    await registry.promote({ model: 'iris', version: 3 });
    await registry.setAlias({ model: 'iris', alias: 'staging', version: 1 });
    expect(await failureType(() => registry.archive({ model: 'iris', version: 3 }))).toBe('RegistryConflict');
    const archived = await registry.archive({ model: 'iris', version: 1, reason: 'superseded' });
    expect(archived).toEqual({
      model: 'iris',
      version: 1,
      removedAliases: ['previous-champion', 'staging'],
      changed: true,
    });
    const kept = await registry.getVersion('iris', '1');
    expect(kept).toMatchObject({ status: 'archived', lineage: lineage(), metrics: { accuracy: 0.9 }, aliases: [] });
    expect(kept.artifact).toEqual(input('iris', 'run-1').artifact);
    expect((await registry.listVersions('iris')).map((v) => v.version)).toEqual([2, 3]);
    expect((await registry.listVersions('iris', { includeArchived: true })).length).toBe(3);
    expect(await failureType(() => registry.promote({ model: 'iris', version: 1 }))).toBe('RegistryConflict');
    expect(await failureType(() => registry.rollback({ model: 'iris' }))).toBe('RegistryConflict');
    expect(await registry.listModels()).toEqual([
      expect.objectContaining({
        name: 'iris',
        latestVersion: 3,
        championVersion: 3,
        versionCount: 3,
        archivedCount: 1,
      }),
    ]);
  });

  it('moves aliases with compare-and-set and refuses a stale expectation', async () => {
    await registerMany('iris', 3);
    expect(await registry.setAlias({ model: 'iris', alias: 'canary', version: 1, expectedVersion: null })).toEqual({
      model: 'iris',
      alias: 'canary',
      version: 1,
      previousVersion: null,
      changed: true,
    });
    await registry.setAlias({ model: 'iris', alias: 'canary', version: 2, expectedVersion: 1 });
    const stale = () => registry.setAlias({ model: 'iris', alias: 'canary', version: 3, expectedVersion: 1 });
    expect(await failureType(stale)).toBe('RegistryConflict');
    expect((await registry.getVersion('iris', 'canary')).version).toBe(2);
    const managed = () => registry.setAlias({ model: 'iris', alias: 'champion', version: 3 });
    expect(await failureType(managed)).toBe('InvalidInput');
    expect(await registry.removeAlias({ model: 'iris', alias: 'canary' })).toMatchObject({ changed: true });
    expect(await registry.removeAlias({ model: 'iris', alias: 'canary' })).toMatchObject({ changed: false });
    const types = (await registry.events({ model: 'iris' })).map((e) => e.type).filter((t) => t.startsWith('alias'));
    expect(types).toEqual(['alias-set', 'alias-set', 'alias-removed']);
  });
});
