import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openRegistry, SCHEMA_VERSION } from '../../lib/registry';
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

describe('SqliteModelRegistry', () => {
  it('numbers versions 1, 2 per model and keeps what was registered', async () => {
    const first = await registry.registerVersion(input('iris', 'run-1', { description: 'first' }));
    const second = await registry.registerVersion(input('iris', 'run-2'));
    const other = await registry.registerVersion(input('churn', 'run-1'));
    expect([first.version, second.version, other.version]).toEqual([1, 2, 1]);
    expect(await registry.getVersion('iris', '1')).toEqual({
      model: 'iris',
      version: 1,
      status: 'active',
      createdAt: first.createdAt,
      artifact: input('iris', 'run-1').artifact,
      metrics: { accuracy: 0.9 },
      tags: { team: 'ml' },
      lineage: lineage(),
      aliases: [],
      idempotencyKey: 'run-1',
      description: 'first',
    });
    expect((await registry.getVersion('iris', 'latest')).version).toBe(2);
    const types = (await registry.events({ model: 'iris' })).map((e) => e.type);
    expect(types).toEqual(['model-created', 'version-registered', 'version-registered']);
  });

  it('returns the same version for a retried registration and refuses the key for another artifact', async () => {
    const first = await registry.registerVersion(input('iris', 'run-1'));
    const retried = await registry.registerVersion(input('iris', 'run-1'));
    expect(retried).toEqual(first);
    expect((await registry.listVersions('iris')).length).toBe(1);
    expect((await registry.events()).length).toBe(2);
    const other = input('iris', 'run-1', { artifact: input('iris', 'run-2').artifact });
    expect(await failureType(() => registry.registerVersion(other))).toBe('RegistryConflict');
  });

  it('reports unknown models, versions and aliases as NotFound', async () => {
    await registerMany('iris', 1);
    expect(await failureType(() => registry.getVersion('iris', '9'))).toBe('NotFound');
    expect(await failureType(() => registry.getVersion('iris', 'champion'))).toBe('NotFound');
    expect(await failureType(() => registry.getVersion('nope', '1'))).toBe('NotFound');
    expect(await failureType(() => registry.listVersions('nope'))).toBe('NotFound');
    expect(await failureType(() => registry.promote({ model: 'iris', version: 2 }))).toBe('NotFound');
    const orphan = input('iris', 'run-2', { lineage: lineage({ parentVersion: 5 }) });
    expect(await failureType(() => registry.registerVersion(orphan))).toBe('NotFound');
  });

  it('refuses invalid model names, aliases, tag keys and metrics', async () => {
    for (const model of ['a/b', '../x', '..', '.hidden', 'has space', '', 'x'.repeat(129), 'nul\0']) {
      expect([model, await failureType(() => registry.registerVersion(input(model, 'k')))]).toEqual([
        model,
        'InvalidName',
      ]);
    }
    await registerMany('iris', 1);
    for (const alias of ['3', '1.5', 'latest', 'LATEST', 'a/b', '..', 'sp ace']) {
      const call = () => registry.setAlias({ model: 'iris', alias, version: 1 });
      expect([alias, await failureType(call)]).toEqual([alias, 'InvalidName']);
    }
    expect(await failureType(() => registry.getVersion('iris', '../1'))).toBe('InvalidName');
    expect(await failureType(() => registry.registerVersion(input('iris', 'k', { tags: { 'a/b': 'x' } })))).toBe(
      'InvalidName',
    );
    const nan = input('iris', 'k', { metrics: { accuracy: Number.NaN } });
    expect(await failureType(() => registry.registerVersion(nan))).toBe('InvalidInput');
    expect(await failureType(() => registry.registerVersion(input('iris', '')))).toBe('InvalidInput');
  });

  it('returns a version lineage with its chain of parents', async () => {
    await registry.registerVersion(input('iris', 'run-1'));
    await registry.registerVersion(input('iris', 'run-2', { lineage: lineage({ parentVersion: 1 }) }));
    await registry.registerVersion(input('iris', 'run-3', { lineage: lineage({ parentVersion: 2 }) }));
    const record = await registry.lineage('iris', 'latest');
    expect(record.version).toBe(3);
    expect(record.lineage.parentVersion).toBe(2);
    expect(record.parents.map((p) => p.version)).toEqual([2, 1]);
  });

  it('keeps the event log append-only at the database level and filters it', async () => {
    await registerMany('iris', 2);
    await registerMany('churn', 1);
    const db = new Database(join(home, 'registry.db'));
    try {
      expect(() => db.prepare(`UPDATE events SET type = 'archived'`).run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
    const all = await registry.events();
    expect(all.length).toBe(5);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
    expect((await registry.events({ model: 'churn' })).length).toBe(2);
    expect((await registry.events({ afterId: all[2].id, limit: 1 })).map((e) => e.id)).toEqual([all[3].id]);
    expect((await registry.events({ since: '2999-01-01T00:00:00Z' })).length).toBe(0);
    expect((await registry.events({ since: all[0].at })).length).toBe(5);
  });

  it('keeps everything across a reopen of the database', async () => {
    await registerMany('iris', 2);
    await registry.promote({ model: 'iris', version: 1 });
    await registry.promote({ model: 'iris', version: 2 });
    await registry.setAlias({ model: 'iris', alias: 'canary', version: 1 });
    const before = { versions: await registry.listVersions('iris'), events: await registry.events() };
    await registry.close();
    registry = openRegistry(home);
    expect(await registry.listVersions('iris')).toEqual(before.versions);
    expect(await registry.events()).toEqual(before.events);
    expect((await registry.getVersion('iris', 'champion')).aliases).toEqual(['champion']);
    expect((await registry.registerVersion(input('iris', 'run-3'))).version).toBe(3);
  });
});
