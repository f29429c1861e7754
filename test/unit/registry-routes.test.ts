/** Serving routes in the SQLite registry: generations, idempotence, validation, events, archive guard, migration. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openRegistry, SCHEMA_VERSION } from '../../lib/registry';
import type { ModelRegistry } from '../../lib/registry';
import { failureType, registration as input } from '../fixtures/registry/inputs';

let home: string;
let registry: ModelRegistry;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'registry-routes-'));
  registry = openRegistry(home);
  for (const key of ['run-1', 'run-2', 'run-3']) await registry.registerVersion(input('iris', key));
});

afterEach(async () => {
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

describe('registry routes', () => {
  it('starts without routes, then bumps the generation on each change only', async () => {
    expect(await registry.getRoutes('iris')).toBeNull();
    const first = await registry.setRoutes({
      model: 'iris',
      stable: 1,
      canary: 2,
      canaryWeight: 0.1,
      reason: 'canary',
    });
    expect(first).toEqual({
      model: 'iris',
      stable: 1,
      canary: 2,
      canaryWeight: 0.1,
      generation: 1,
      updatedAt: expect.any(String),
      changed: true,
    });
    const again = await registry.setRoutes({ model: 'iris', stable: 1, canary: 2, canaryWeight: 0.1 });
    expect(again).toEqual({ ...first, changed: false });
    const second = await registry.setRoutes({ model: 'iris', stable: 2, canaryWeight: 0 });
    expect(second).toMatchObject({ stable: 2, canary: null, canaryWeight: 0, generation: 2, changed: true });
    const stored = { ...second } as Partial<typeof second>;
    delete stored.changed;
    expect(await registry.getRoutes('iris')).toEqual(stored);
    expect(await registry.listRoutes()).toEqual([stored]);
    const events = (await registry.events({ model: 'iris' })).filter((e) => e.type === 'routes-set');
    expect(events.map((e) => e.data)).toEqual([
      { from: null, to: { stable: 1, canary: 2, canaryWeight: 0.1, generation: 1 }, reason: 'canary' },
      {
        from: { stable: 1, canary: 2, canaryWeight: 0.1, generation: 1 },
        to: { stable: 2, canary: null, canaryWeight: 0, generation: 2 },
        reason: null,
      },
    ]);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('honours expectedGeneration as compare-and-set, and a retry of a made change is a no-op', async () => {
    await registry.setRoutes({ model: 'iris', stable: 1, canaryWeight: 0, expectedGeneration: 0 });
    expect(
      await failureType(() => registry.setRoutes({ model: 'iris', stable: 2, canaryWeight: 0, expectedGeneration: 0 })),
    ).toBe('RegistryConflict');
    const retried = await registry.setRoutes({ model: 'iris', stable: 1, canaryWeight: 0, expectedGeneration: 0 });
    expect(retried).toMatchObject({ generation: 1, changed: false });
  });

  it('refuses invalid routes and unknown or archived versions', async () => {
    const set = (routes: object) => failureType(() => registry.setRoutes({ model: 'iris', ...routes } as never));
    expect(await set({ stable: 1, canary: 2, canaryWeight: 1.5 })).toBe('InvalidInput');
    expect(await set({ stable: 1, canary: 2, canaryWeight: -0.1 })).toBe('InvalidInput');
    expect(await set({ stable: 1, canaryWeight: 0.5 })).toBe('InvalidInput');
    expect(await set({ stable: 1, canary: 1, canaryWeight: 0.5 })).toBe('InvalidInput');
    expect(await set({ stable: 0, canaryWeight: 0 })).toBe('InvalidInput');
    expect(await set({ stable: 9, canaryWeight: 0 })).toBe('NotFound');
    expect(await failureType(() => registry.setRoutes({ model: 'nope', stable: 1, canaryWeight: 0 }))).toBe('NotFound');
    expect(await failureType(() => registry.getRoutes('nope'))).toBe('NotFound');
    expect(await failureType(() => registry.getRoutes('../x'))).toBe('InvalidName');
    await registry.archive({ model: 'iris', version: 3 });
    expect(await set({ stable: 1, canary: 3, canaryWeight: 0.5 })).toBe('RegistryConflict');
    expect(await registry.getRoutes('iris')).toBeNull();
  });

  it('refuses to archive a routed version', async () => {
    await registry.setRoutes({ model: 'iris', stable: 1, canary: 2, canaryWeight: 0.2 });
    expect(await failureType(() => registry.archive({ model: 'iris', version: 2 }))).toBe('RegistryConflict');
    await registry.setRoutes({ model: 'iris', stable: 1, canaryWeight: 0 });
    expect((await registry.archive({ model: 'iris', version: 2 })).changed).toBe(true);
  });

  it('upgrades a version 1 database by adding the routes table', async () => {
    await registry.close();
    const db = new Database(join(home, 'registry.db'));
    db.exec('DROP TABLE routes');
    db.pragma('user_version = 1');
    db.close();
    registry = openRegistry(home);
    expect((await registry.listVersions('iris')).length).toBe(3);
    await registry.setRoutes({ model: 'iris', stable: 1, canaryWeight: 0 });
    const check = new Database(join(home, 'registry.db'));
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBe(2);
    } finally {
      check.close();
    }
  });
});
