/**
 * Routing across gateway replicas: the champion without routes, canary weights and sticky keys, routes set through
 * one replica reaching another through the registry, a restart serving the same split, and pinning versions.
 */
import type { Gateway } from '../../lib/serving';
import { call, callMany, gateway, newHome, registerFixture, TOKEN, withRegistry } from './gateway-helpers';
import type { Reply } from './gateway-helpers';

let home: string;
let cleanup: () => Promise<void>;
const open: Gateway[] = [];

const instance = { age: 35, income: 41000, tenure: 7, plan: 'basic' };
const predict = (gw: Gateway, key?: string) =>
  call(gw.url, '/v1/models/churn:predict', {
    body: { instances: [instance] },
    headers: key === undefined ? {} : { 'x-routing-key': key },
  });
const versionOf = (reply: Reply) => Number(reply.headers.get('x-model-version'));
const putRoutes = (gw: Gateway, routes: object) =>
  call(gw.url, '/admin/models/churn/routes', { method: 'PUT', body: routes, token: TOKEN });

async function start(): Promise<Gateway> {
  const gw = await gateway(home);
  open.push(gw);
  return gw;
}

/** Which version each of `keys` is routed to. */
async function keyVersions(gw: Gateway, keys: string[]): Promise<number[]> {
  const replies = await callMany(keys.length, 8, (i) => predict(gw, keys[i]));
  return replies.map(versionOf);
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const keys = Array.from({ length: 60 }, (_, i) => `customer-${i}`);

beforeAll(async () => {
  ({ home, cleanup } = await newHome());
  await registerFixture(home, 'churn', 'binary', 'v1');
  await registerFixture(home, 'churn', 'binary', 'v2');
  await registerFixture(home, 'churn', 'binary-nozipmap', 'v3');
  await withRegistry(home, (r) => r.promote({ model: 'churn', version: 1 }));
});

afterAll(async () => {
  for (const gw of open) await gw.close();
  await cleanup();
});

describe('gateway routing', () => {
  let a: Gateway;
  let b: Gateway;

  it('serves the champion of a model without routes', async () => {
    a = await start();
    const replies = await callMany(20, 4, () => predict(a));
    expect(new Set(replies.map(versionOf))).toEqual(new Set([1]));
    const models = await call(a.url, '/admin/models', { token: TOKEN });
    expect(models.body.models[0].routes).toMatchObject({ stable: 1, canary: null, generation: 0, source: 'champion' });
  });

  it('splits traffic by the canary weight and keeps a routing key on one version', async () => {
    const put = await putRoutes(a, { stable: 1, canary: 2, canaryWeight: 0.3, reason: 'canary 30%' });
    expect(put.status).toBe(200);
    expect(put.body.routes).toMatchObject({
      model: 'churn',
      stable: 1,
      canary: 2,
      canaryWeight: 0.3,
      generation: 1,
      changed: true,
    });
    const replies = await callMany(2000, 16, () => predict(a));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const share = replies.filter((r) => versionOf(r) === 2).length / replies.length;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.05);
    const first = await keyVersions(a, keys);
    const again = await keyVersions(a, keys);
    expect(again).toEqual(first);
    expect(new Set(first)).toEqual(new Set([1, 2]));
    // A named version bypasses routing.
    const pinned = await callMany(20, 4, () =>
      call(a.url, '/v2/models/churn/versions/1/infer', {
        body: {
          inputs: Object.entries(instance).map(([name, v]) => ({
            name,
            shape: [1, 1],
            datatype: typeof v === 'string' ? 'BYTES' : 'FP32',
            data: [v],
          })),
        },
        headers: { 'x-routing-key': keys[first.indexOf(2)] },
      }),
    );
    expect(new Set(pinned.map(versionOf))).toEqual(new Set([1]));
  });

  it('keeps routes idempotent and refuses invalid ones', async () => {
    const same = await putRoutes(a, { stable: 1, canary: 2, canaryWeight: 0.3 });
    expect(same.body.routes).toMatchObject({ generation: 1, changed: false });
    expect((await putRoutes(a, { stable: 1, canary: 2, canaryWeight: 1.5 })).status).toBe(400);
    expect((await putRoutes(a, { stable: 1, canaryWeight: 0.2 })).status).toBe(400);
    expect((await putRoutes(a, { stable: 9 })).status).toBe(404);
    const stale = await putRoutes(a, { stable: 2, expectedGeneration: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatch(/generation 1, not 0/);
    const events = await withRegistry(home, (r) => r.events({ model: 'churn' }));
    expect(events.filter((e) => e.type === 'routes-set')).toHaveLength(1);
  });

  it('brings a second replica to the routes set through the first', async () => {
    b = await start();
    expect(await keyVersions(b, keys)).toEqual(await keyVersions(a, keys));
    const put = await putRoutes(a, { stable: 2, canary: 3, canaryWeight: 0.5 });
    expect(put.body.routes.generation).toBe(2);
    await waitFor(async () => {
      const models = await call(b.url, '/admin/models', { token: TOKEN });
      return models.body.models[0].routes?.generation === 2;
    });
    const status = (await call(b.url, '/admin/models', { token: TOKEN })).body.models[0];
    expect(status.routes).toMatchObject({ stable: 2, canary: 3, canaryWeight: 0.5, source: 'routes' });
    expect(status.loaded.map((l: { version: number }) => l.version)).toEqual([2, 3]);
    const fromA = await keyVersions(a, keys);
    expect(await keyVersions(b, keys)).toEqual(fromA);
    expect(new Set(fromA)).toEqual(new Set([2, 3]));
  });

  it('serves the same split after a restart', async () => {
    const before = await keyVersions(b, keys);
    await b.close();
    b = await start();
    const status = (await call(b.url, '/admin/models', { token: TOKEN })).body.models[0];
    expect(status.routes).toMatchObject({ stable: 2, canary: 3, canaryWeight: 0.5, generation: 2 });
    expect(await keyVersions(b, keys)).toEqual(before);
  });

  it('pins a version on load and unloads it on request', async () => {
    const absent = await call(a.url, '/v2/models/churn/versions/1/ready');
    expect(absent.status).toBe(404);
    const loaded = await call(a.url, '/admin/models/churn/versions/1/load', { method: 'POST', token: TOKEN });
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ model: 'churn', version: 1, pinned: true });
    await a.close(); // a restart forgets pins: they are this replica's, not desired state
    a = await start();
    expect((await call(a.url, '/v2/models/churn/versions/1/ready')).status).toBe(404);
    await call(a.url, '/admin/models/churn/versions/1/load', { method: 'POST', token: TOKEN });
    await new Promise((resolve) => setTimeout(resolve, 300)); // reconcile passes keep a pinned version
    expect((await call(a.url, '/v2/models/churn/versions/1/ready')).status).toBe(200);
    const routed = await call(a.url, '/admin/models/churn/versions/2', { method: 'DELETE', token: TOKEN });
    expect(routed.status).toBe(409);
    const unloaded = await call(a.url, '/admin/models/churn/versions/1', { method: 'DELETE', token: TOKEN });
    expect(unloaded.body).toEqual({ model: 'churn', version: 1, unloaded: true });
    expect((await call(a.url, '/v2/models/churn/versions/1/ready')).status).toBe(404);
    expect((await call(a.url, '/admin/models/churn/versions/1', { method: 'DELETE', token: TOKEN })).status).toBe(404);
  });
});
