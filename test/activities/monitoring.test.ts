/**
 * checkModelDrift on real parts: a registry whose champions carry a training profile made by the data plane, a real
 * gateway that logged same-distribution and shifted traffic, and delayed labels sent to its feedback route.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { checkModelDrift } from '../../activities/monitoring';
import { openArtifactStore } from '../../lib/artifacts';
import { ErrorType } from '../../workflows/contracts';
import type { CheckModelDriftInput, CheckModelDriftResult } from '../../workflows/contracts';
import { call, gateway, withRegistry } from '../e2e/gateway-helpers';
import { churnRows, registerChurnModels, shiftedRows, writeChurnProfile } from '../fixtures/monitoring';
import type { Customer } from '../fixtures/monitoring';
import { failureOf } from '../helpers/failures';
import { tempDir } from '../helpers/temporal';

jest.setTimeout(120_000);

/** Runs the activity; its logs (and the SDK's report of the expected failures) stay out of the test output. */
function check(input: CheckModelDriftInput): Promise<CheckModelDriftResult> {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  return env.run(checkModelDrift, input) as Promise<CheckModelDriftResult>;
}

describe('checkModelDrift', () => {
  let dir: string;
  let home: string;
  let cleanup: () => Promise<void>;
  let since: number;
  /** Accuracy of the steady model's answers against the true labels, computed from the gateway's replies. */
  let steadyAccuracy: number;
  const previousHome = process.env.MLOPS_HOME;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('monitoring-'));
    home = join(dir, 'home');
    process.env.MLOPS_HOME = home;
    const profilePath = await writeChurnProfile(join(dir, 'profile.json'));
    await registerChurnModels(home, [
      ...['steady', 'shifted', 'quiet'].map((model) => ({ model, profilePath })),
      { model: 'corrupt', profilePath: await writeChurnProfile(join(dir, 'profile-other.json'), 7) },
      { model: 'bare' },
      { model: 'unpromoted', profilePath, champion: false },
    ]);
    const { instances, labels } = await churnRows();
    const gw = await gateway(home, { logWindowMs: 1000 });
    since = Date.now();
    try {
      const predict = async (model: string, rows: Customer[]) => {
        const reply = await call(gw.url, `/v1/models/${model}:predict`, { body: { instances: rows } });
        expect(reply.status).toBe(200);
        return reply.body as { id: string; predictions: { label: string }[] };
      };
      let correct = 0;
      for (let start = 0; start < instances.length; start += 100) {
        const reply = await predict('steady', instances.slice(start, start + 100));
        const feedback = reply.predictions.map((p, row) => {
          if (p.label === labels[start + row]) correct++;
          return { requestId: reply.id, row, label: labels[start + row] };
        });
        expect((await call(gw.url, '/v1/models/steady:feedback', { body: feedback })).status).toBe(200);
      }
      steadyAccuracy = correct / instances.length;
      const shifted = shiftedRows(instances);
      for (let start = 0; start < shifted.length; start += 100)
        await predict('shifted', shifted.slice(start, start + 100));
      await predict('quiet', instances.slice(0, 50));
      await predict('corrupt', instances.slice(0, 300));
    } finally {
      await gw.close(); // writes the buffered prediction log and feedback
    }
  });

  afterAll(async () => {
    process.env.MLOPS_HOME = previousHome;
    await cleanup();
  });

  it('finds no drift in same-distribution traffic, scores the delayed labels and writes the report', async () => {
    const result = await check({ model: 'steady', since });
    expect(result).toMatchObject({ version: 1, rows: 600, judged: true, drifted: [], labelled: 600 });
    expect(result.accuracy).toBeCloseTo(steadyAccuracy, 12);
    expect(result.accuracy).toBeGreaterThan(0.5);
    expect(result.accuracy).toBeLessThan(1);
    const expectedPath = join(
      home,
      'monitoring',
      'steady',
      `${new Date(since).toISOString().replace(/[-:]/g, '')}.json`,
    );
    expect(result.reportPath).toBe(expectedPath);
    const report = JSON.parse(await readFile(expectedPath, 'utf8'));
    expect(Object.keys(report.columns).sort()).toEqual(['age', 'income', 'plan', 'tenure']);
    expect(report).toMatchObject({ model: 'steady', version: 1, rows: 600, labelled: 600, drifted: [] });
    expect(report.reference.kind).toBe('profile');
    expect(report.current.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.policy).toMatchObject({ psi: 0.2, jsDistance: 0.1, ksPValue: 0.05 });
  });

  it('flags the shifted columns of drifted traffic and leaves the unchanged one alone', async () => {
    const result = await check({ model: 'shifted', since, reportOut: 'reports/shifted.json' });
    expect(result).toMatchObject({ version: 1, rows: 600, judged: true, labelled: 0 });
    expect(result.drifted.sort()).toEqual(['age', 'income', 'plan']);
    expect(result.accuracy).toBeUndefined();
    expect(result.reportPath).toBe(join(home, 'reports', 'shifted.json'));
    const report = JSON.parse(await readFile(result.reportPath!, 'utf8'));
    expect(report.columns.tenure.drifted).toBe(false);
    expect(report.columns.age.reasons.length).toBeGreaterThan(0);
  });

  it('keeps the report under MLOPS_HOME: a relative reportOut that climbs out is refused', async () => {
    await expect(check({ model: 'shifted', since, reportOut: '../escaped.json' })).rejects.toMatchObject({
      type: 'PathOutsideStore',
    });
    await expect(readFile(join(home, '..', 'escaped.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('merges the thresholds over the defaults and compares only the watched columns', async () => {
    const lenient = { psi: 1e9, jsDistance: 1, ksPValue: 0, chiSquarePValue: 0 };
    expect((await check({ model: 'shifted', since, drift: lenient })).drifted).toEqual([]);
    const watched = await check({ model: 'shifted', since, drift: { columns: ['tenure'] } });
    expect(watched.drifted).toEqual([]);
    expect(Object.keys(JSON.parse(await readFile(watched.reportPath!, 'utf8')).columns)).toEqual(['tenure']);
    expect((await check({ model: 'shifted', since, drift: { columns: ['age', 'tenure'] } })).drifted).toEqual(['age']);
  });

  it('does not judge a window with too little traffic', async () => {
    expect(await check({ model: 'quiet', since })).toEqual({
      version: 1,
      rows: 50,
      judged: false,
      drifted: [],
      labelled: 0,
      reason: expect.stringMatching(/^not enough traffic: 50 rows .* 200 needed$/),
    });
    expect(await check({ model: 'quiet', since, minRows: 50 })).toMatchObject({ judged: true, rows: 50 });
    expect(await check({ model: 'steady', since: Date.now() + 60_000 })).toMatchObject({ judged: false, rows: 0 });
  });

  it('does not judge a model without a champion or a champion without a training profile', async () => {
    for (const model of ['unpromoted', 'ghost']) {
      expect(await check({ model, since })).toEqual({
        rows: 0,
        judged: false,
        drifted: [],
        labelled: 0,
        reason: `${model} has no champion`,
      });
    }
    expect(await check({ model: 'bare', since })).toMatchObject({
      version: 1,
      judged: false,
      reason: 'bare@1 has no training profile in its lineage',
    });
  });

  it('fails non-retryably on bad thresholds, bad names and a corrupt profile', async () => {
    const expectFailure = async (input: CheckModelDriftInput, type: string) => {
      const failure = await failureOf(check(input), ApplicationFailure);
      expect([failure.type, failure.nonRetryable]).toEqual([type, true]);
    };
    await expectFailure({ model: 'steady', since, drift: { psi: -1 } }, ErrorType.InvalidContract);
    await expectFailure({ model: 'no such model', since }, ErrorType.InvalidName);
    await expectFailure({ model: 'steady', since: Number.NaN }, ErrorType.InvalidInput);
    await expectFailure({ model: 'steady', since, minRows: 0 }, ErrorType.InvalidInput);
    const profile = (await withRegistry(home, (r) => r.getVersion('corrupt', 'champion'))).lineage.profile!;
    expect(await check({ model: 'corrupt', since })).toMatchObject({ judged: true, rows: 300 });
    const stored = openArtifactStore(home).resolve(profile.uri);
    await chmod(stored, 0o644); // the store keeps artifacts read-only
    await writeFile(stored, '{"version":1,"columns":{}}');
    await expectFailure({ model: 'corrupt', since }, ErrorType.ArtifactCorrupt);
  });
});
