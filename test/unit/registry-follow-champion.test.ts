/** `mlops models promote|rollback` move the gateways' stable route with the champion, except during a rollout. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '../../lib/registry';
import type { ModelRegistry } from '../../lib/registry';
import { routesFollowChampion } from '../../lib/registry/follow-champion';
import { registration as input } from '../fixtures/registry/inputs';

let home: string;
let registry: ModelRegistry;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'registry-follow-'));
  registry = openRegistry(home);
  for (const key of ['run-1', 'run-2', 'run-3']) await registry.registerVersion(input('iris', key));
});

afterEach(async () => {
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

describe('routesFollowChampion', () => {
  it('leaves a model that is not served without routes', async () => {
    await registry.promote({ model: 'iris', version: 2 });
    expect(await routesFollowChampion(registry, 'iris', 2, 'promote')).toEqual({ routes: 'none' });
    expect(await registry.getRoutes('iris')).toBeNull();
  });

  it('moves the stable route to the new champion, and back on rollback', async () => {
    await registry.promote({ model: 'iris', version: 1 });
    await registry.setRoutes({ model: 'iris', stable: 1, canaryWeight: 0 });
    const promoted = await registry.promote({ model: 'iris', version: 3 });
    expect(await routesFollowChampion(registry, 'iris', promoted.champion, 'promote')).toEqual({
      routes: 'moved',
      stable: 3,
      previousStable: 1,
      generation: 2,
    });
    expect(await registry.getRoutes('iris')).toMatchObject({ stable: 3, canary: null, canaryWeight: 0 });
    const back = await registry.rollback({ model: 'iris' });
    expect(back.champion).toBe(1);
    expect(await routesFollowChampion(registry, 'iris', back.champion, 'rollback')).toMatchObject({
      routes: 'moved',
      stable: 1,
      previousStable: 3,
    });
    expect(await routesFollowChampion(registry, 'iris', 1, 'again')).toEqual({ routes: 'unchanged', stable: 1 });
    expect((await registry.getRoutes('iris'))?.generation).toBe(3);
  });

  it('leaves the routes of a rollout in progress to the rollout', async () => {
    await registry.promote({ model: 'iris', version: 1 });
    await registry.setRoutes({ model: 'iris', stable: 1, canary: 2, canaryWeight: 0.25 });
    await registry.promote({ model: 'iris', version: 3 });
    expect(await routesFollowChampion(registry, 'iris', 3, 'promote')).toEqual({
      routes: 'rollout',
      stable: 1,
      canary: 2,
      canaryWeight: 0.25,
    });
    expect(await registry.getRoutes('iris')).toMatchObject({ stable: 1, canary: 2, canaryWeight: 0.25, generation: 1 });
  });
});
