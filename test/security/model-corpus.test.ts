/**
 * Model-loading isolation, proven on a seeded corpus of mutated models (byte mutations of the fixture models and
 * structurally hostile ones, generated here, never committed). Each mutant is registered as a version and pushed
 * through a running gateway's admin load path: the gateway must stay up and keep answering a good model after every
 * one, and every mutant that is not a valid model must be refused with a 422 that gives the reason (invalid, crashed
 * the loading process, or timed out). A mutant that is still a valid model may load; it is counted apart.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openArtifactStore } from '../../lib/artifacts';
import type { Gateway } from '../../lib/serving';
import { call, FIXTURES, gateway, newHome, registerFixture, TOKEN, withRegistry } from '../e2e/gateway-helpers';
import { byteMutants, structuralMutants } from '../fixtures/rollout/mutants';
import type { Mutant } from '../fixtures/rollout/mutants';

const SEED = 20261129;
/** Byte mutations of each base model. */
const PER_BASE = 16;
/** Short, so that the corpus's endless model costs seconds; real gateways default to 60 s. */
const PREFLIGHT_TIMEOUT_MS = 5000;

let home: string;
let cleanup: () => Promise<void>;
let gw: Gateway;
const customer = { age: 41, income: 52000, tenure: 4, plan: 'pro' };

beforeAll(async () => {
  ({ home, cleanup } = await newHome());
  await registerFixture(home, 'churn', 'binary', 'churn-1');
  await withRegistry(home, (r) => r.promote({ model: 'churn', version: 1 }));
  gw = await gateway(home, { preflightTimeoutMs: PREFLIGHT_TIMEOUT_MS });
});

afterAll(async () => {
  await gw.close();
  await cleanup();
});

async function corpus(): Promise<Mutant[]> {
  const bases = await Promise.all(
    ['binary', 'regression', 'multiclass'].map(async (name) => ({
      name,
      bytes: await readFile(join(FIXTURES, name, 'model.onnx')),
    })),
  );
  return [...structuralMutants(), ...byteMutants(bases, PER_BASE, SEED)];
}

/** Registers bytes as the next version of `model`, straight into the store and registry (no loading on the way). */
async function registerBytes(model: string, bytes: Uint8Array, key: string): Promise<number> {
  const artifact = await openArtifactStore(home).putBytes(bytes, { kind: 'model.onnx' });
  return withRegistry(home, async (r) => {
    const version = await r.registerVersion({ model, idempotencyKey: key, artifact, lineage: { datasets: [] } });
    return version.version;
  });
}

async function predictChurn(): Promise<{ status: number; label: unknown; version: string | null }> {
  const reply = await call(gw.url, '/v1/models/churn:predict', { body: { instances: [customer] } });
  return {
    status: reply.status,
    label: reply.body.predictions?.[0]?.label,
    version: reply.headers.get('x-model-version'),
  };
}

describe('model-loading isolation on a mutated-model corpus', () => {
  it('refuses every broken model with a reason and keeps serving after each', async () => {
    const baseline = await predictChurn();
    expect(baseline).toMatchObject({ status: 200, version: '1' });
    const mutants = await corpus();
    const outcomes: Record<string, string[]> = { loaded: [], invalid: [], crashed: [], timedOut: [], unexpected: [] };
    for (const [i, mutant] of mutants.entries()) {
      const version = await registerBytes('mutant', mutant.bytes, `mutant-${i}`);
      const reply = await call(gw.url, `/admin/models/mutant/versions/${version}/load`, {
        method: 'POST',
        token: TOKEN,
      });
      const reason = String(reply.body?.error ?? '');
      if (reply.status === 200) {
        outcomes.loaded.push(mutant.name);
        expect(
          (await call(gw.url, `/admin/models/mutant/versions/${version}`, { method: 'DELETE', token: TOKEN })).status,
        ).toBe(200);
      } else if (reply.status === 422 && /refused by the loading preflight: \S/.test(reason)) {
        const kind = /crashed the loading process/.test(reason)
          ? 'crashed'
          : /took longer than/.test(reason)
            ? 'timedOut'
            : 'invalid';
        outcomes[kind].push(mutant.name);
      } else if (reply.status === 422 && /ModelInvalid: /.test(reason)) {
        // Passed the preflight, refused by the in-process loader's own checks (still no crash).
        outcomes.invalid.push(mutant.name);
      } else {
        outcomes.unexpected.push(`${mutant.name}: ${reply.status} ${reason}`);
      }
      // The gateway is up and its good model answers as before, after every mutant.
      expect({ mutant: mutant.name, ...(await predictChurn()) }).toEqual({ mutant: mutant.name, ...baseline });
    }
    expect(outcomes.unexpected).toEqual([]);
    expect(outcomes.timedOut).toContain('structural/endless-compute');
    expect(outcomes.loaded).toContain('structural/valid-control');
    for (const name of ['unknown-op', 'unknown-domain', 'cycle', 'self-loop', 'dtype-mismatch', 'short-initializer']) {
      expect(outcomes.invalid).toContain(`structural/${name}`);
    }
    const refused = outcomes.invalid.length + outcomes.crashed.length + outcomes.timedOut.length;
    expect(refused + outcomes.loaded.length).toBe(mutants.length);
    // Nearly every byte mutation breaks a model; a corpus that mostly loads would not test the refusals.
    expect(refused).toBeGreaterThan(mutants.length * 0.8);
    const status = await call(gw.url, '/admin/models', { token: TOKEN });
    expect(status.body.models.find((m: { model: string }) => m.model === 'mutant')?.loaded ?? []).toEqual([]);
  }, 600_000);

  it('keeps the previous routes serving when routes name a refused version, and says why', async () => {
    const [broken] = structuralMutants().filter((m) => m.name === 'structural/unknown-op');
    const version = await registerBytes('churn', broken.bytes, 'churn-broken');
    const put = await call(gw.url, '/admin/models/churn/routes', {
      method: 'PUT',
      token: TOKEN,
      body: { stable: version, reason: 'corpus test' },
    });
    expect(put.status).toBe(500);
    expect(put.body.error).toMatch(/cannot serve them: .*version \d+ of 'churn' was refused by the loading preflight/);
    expect(await predictChurn()).toMatchObject({ status: 200, version: '1' });
    const restored = await call(gw.url, '/admin/models/churn/routes', {
      method: 'PUT',
      token: TOKEN,
      body: { stable: 1 },
    });
    expect(restored.status).toBe(200);
  });

  it('refuses a version whose loading process dies of a signal, and stays up', async () => {
    // No mutant in the corpus crashes onnxruntime 1.30 natively, so the crash is delivered: SIGSEGV to the loading
    // child while it works on the endless model, exactly what a segfaulting model does to it.
    const [endless] = structuralMutants().filter((m) => m.name === 'structural/endless-compute');
    const version = await registerBytes('crasher', endless.bytes, 'crasher-1');
    const load = call(gw.url, `/admin/models/crasher/versions/${version}/load`, { method: 'POST', token: TOKEN });
    let child: number | undefined;
    for (let i = 0; i < 100 && child === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
      const line = ps.split('\n').find((l) => l.includes('preflight-child'));
      if (line) child = Number(line.trim().split(/\s+/)[0]);
    }
    expect(child).toBeDefined();
    process.kill(child as number, 'SIGSEGV');
    const reply = await load;
    expect(reply.status).toBe(422);
    expect(reply.body.error).toMatch(
      /refused by the loading preflight: it crashed the loading process \(signal SIGSEGV\)/,
    );
    expect(await predictChurn()).toMatchObject({ status: 200, version: '1' });
  });
});
