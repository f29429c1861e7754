/**
 * The serving gateway in process on real onnxruntime models: OIP v2 and row requests, a golden comparison with a
 * direct session run, error statuses, metrics and stats, and the prediction log and feedback read back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { openDataset } from '../../lib/data/read';
import { batchColumns, planBinding, buildFeeds } from '../../lib/model/binding';
import { loadModel } from '../../lib/model/load';
import { readFeedback, readPredictionLog } from '../../lib/serving';
import type { Gateway } from '../../lib/serving';
import { call, callMany, FIXTURES, gateway, newHome, registerFixture, TOKEN, withRegistry } from './gateway-helpers';

let home: string;
let cleanup: () => Promise<void>;
let gw: Gateway;

const customer = { age: 41, income: 52000, tenure: 4, plan: 'pro' };
const v2Input = (rows: (typeof customer)[]) => [
  { name: 'plan', shape: [rows.length, 1], datatype: 'BYTES', data: rows.map((r) => [r.plan]) },
  { name: 'age', shape: [rows.length, 1], datatype: 'FP32', data: rows.map((r) => r.age) },
  { name: 'tenure', shape: [rows.length, 1], datatype: 'INT64', data: rows.map((r) => r.tenure) },
  { name: 'income', shape: [rows.length, 1], datatype: 'FP64', data: rows.map((r) => r.income) },
];

beforeAll(async () => {
  ({ home, cleanup } = await newHome());
  await registerFixture(home, 'churn', 'binary', 'churn-1');
  await registerFixture(home, 'house', 'regression', 'house-1');
  await withRegistry(home, async (r) => {
    await r.promote({ model: 'churn', version: 1 });
    await r.promote({ model: 'house', version: 1 });
  });
  gw = await gateway(home, { logWindowMs: 1000 });
});

afterAll(async () => {
  await gw.close();
  await cleanup();
});

/** The binary fixture's rows as instances, and the evaluator's own feeds for a direct session run. */
async function fixtureRows(): Promise<{ instances: Record<string, unknown>[]; batch: RecordBatch }> {
  const stream = await openDataset(join(FIXTURES, 'binary', 'data.parquet'));
  const batches: RecordBatch[] = [];
  for await (const b of stream.batches) batches.push(b.batch);
  expect(batches.length).toBe(1);
  const instances = batches[0].toArray().map((row) => {
    const r = row.toJSON() as Record<string, unknown>;
    return {
      age: r.age === null ? null : Number(r.age),
      income: Number(r.income),
      tenure: Number(r.tenure),
      plan: r.plan,
    };
  });
  return { instances, batch: batches[0] };
}

/** The fixture's rows, and the labels and probabilities of one direct session run over them. */
async function directRun(): Promise<{
  instances: Awaited<ReturnType<typeof fixtureRows>>['instances'];
  labels: string[];
  probs: Float32Array;
}> {
  const { instances, batch } = await fixtureRows();
  const model = await loadModel(join(FIXTURES, 'binary', 'model.onnx'));
  const bindings = planBinding(
    model,
    batch.schema.fields.map((f) => f.name),
  );
  const direct = await model.session.run(buildFeeds(bindings, batchColumns(bindings, batch), 0, batch.numRows), [
    'output_label',
    'probabilities',
  ]);
  await model.session.release();
  return { instances, labels: direct.output_label.data as string[], probs: direct.probabilities.data as Float32Array };
}

describe('serving gateway', () => {
  it('answers health, metadata and readiness with the serving version', async () => {
    expect((await call(gw.url, '/v2/health/live')).body).toEqual({ live: true });
    expect((await call(gw.url, '/v2/health/ready')).status).toBe(200);
    const meta = await call(gw.url, '/v2/models/churn');
    expect(meta.status).toBe(200);
    expect(meta.headers.get('x-model-version')).toBe('1');
    expect(meta.body.versions).toEqual(['1']);
    expect(meta.body.inputs).toEqual([
      { name: 'age', datatype: 'FP32', shape: [-1, 1] },
      { name: 'income', datatype: 'FP32', shape: [-1, 1] },
      { name: 'tenure', datatype: 'FP32', shape: [-1, 1] },
      { name: 'plan', datatype: 'BYTES', shape: [-1, 1] },
    ]);
    expect(meta.body.outputs.map((o: { name: string }) => o.name)).toEqual(['output_label', 'probabilities']);
    expect((await call(gw.url, '/v2/models/churn/ready')).body).toEqual({ name: 'churn', version: '1', ready: true });
    expect((await call(gw.url, '/v2/models/churn/versions/1/ready')).status).toBe(200);
  });

  it('answers OIP v2 infer, binding inputs by name whatever their order', async () => {
    const body = { id: 'req-42', inputs: v2Input([customer, { ...customer, plan: 'basic', tenure: 30 }]) };
    const reply = await call(gw.url, '/v2/models/churn/infer', { body });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-model-version')).toBe('1');
    expect(reply.body).toMatchObject({ model_name: 'churn', model_version: '1', id: 'req-42' });
    const [label, probs] = reply.body.outputs;
    expect(label).toMatchObject({ name: 'output_label', datatype: 'BYTES', shape: [2] });
    expect(probs).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 2] });
    const reversed = await call(gw.url, '/v2/models/churn/versions/1/infer', {
      body: { inputs: [...body.inputs].reverse(), outputs: [{ name: 'probabilities' }] },
    });
    expect(reversed.body.outputs).toEqual([probs]);
    const row = await call(gw.url, '/v1/models/churn:predict', { body: { instances: [customer] } });
    expect(row.body.predictions[0].probabilities.yes).toBeCloseTo(probs.data[1], 6);
    expect(row.body.predictions[0].label).toBe(label.data[0]);
  });

  it('answers v1 predict for a classifier and a regressor', async () => {
    const churn = await call(gw.url, '/v1/models/churn:predict', {
      body: { instances: [customer, { ...customer, age: null }] },
    });
    expect(churn.status).toBe(200);
    expect(churn.body.model_version).toBe('1');
    expect(churn.body.predictions).toHaveLength(2);
    for (const p of churn.body.predictions) {
      expect(['no', 'yes']).toContain(p.label);
      expect(p.probabilities.no + p.probabilities.yes).toBeCloseTo(1, 5);
    }
    const house = await call(gw.url, '/v1/models/house:predict', { body: { instances: [{ x1: 0.5, x2: -1, x3: 3 }] } });
    expect(house.status).toBe(200);
    expect(house.headers.get('x-model-version')).toBe('1');
    expect(typeof house.body.predictions[0]).toBe('number');
  });

  it('gives the same predictions as a direct session run on 1,000 rows, through v1 and v2', async () => {
    const { instances, labels, probs } = await directRun();
    const rows = Array.from({ length: 1000 }, (_, i) => instances[i % instances.length]);
    const v1 = await call(gw.url, '/v1/models/churn:predict', { body: { instances: rows } });
    expect(v1.status).toBe(200);
    const v2 = await call(gw.url, '/v2/models/churn/infer', {
      body: {
        inputs: v2Input(rows as (typeof customer)[]).map((i) => (i.name === 'age' ? { ...i, datatype: 'FP64' } : i)),
      },
    });
    expect(v2.status).toBe(200);
    const v2Probs: number[] = v2.body.outputs.find((o: { name: string }) => o.name === 'probabilities').data;
    let worst = 0;
    for (let i = 0; i < 1000; i++) {
      const j = i % instances.length;
      const p = v1.body.predictions[i];
      expect(p.label).toBe(labels[j]);
      worst = Math.max(
        worst,
        Math.abs(p.probabilities.no - probs[2 * j]),
        Math.abs(p.probabilities.yes - probs[2 * j + 1]),
      );
      worst = Math.max(worst, Math.abs(v2Probs[2 * i + 1] - probs[2 * j + 1]));
    }
    expect(worst).toBeLessThan(1e-5);
    // And the Python onnxruntime reference of the fixture.
    const expected = JSON.parse(await readFile(join(FIXTURES, 'binary', 'expected.json'), 'utf8'));
    expected.probabilities.forEach((pair: number[], i: number) => {
      expect(Math.abs(v1.body.predictions[i].probabilities.yes - pair[1])).toBeLessThan(1e-5);
      expect(v1.body.predictions[i].label).toBe(expected.predictions[i]);
    });
  });

  it('joins concurrent requests into batched runs that answer each as a lone run would', async () => {
    const { instances, labels, probs } = await directRun();
    const metric = (text: string, name: string) =>
      Number(new RegExp(`${name}\\{model="churn",version="1"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    const before = (await call(gw.url, '/metrics')).body as string;
    // Requests of 1 to 4 rows, 32 in flight: most arrive while a run is in flight and join the next one.
    const starts = Array.from({ length: 400 }, (_, i) => (i * 37) % (instances.length - 4));
    const replies = await callMany(starts.length, 32, (i) =>
      call(gw.url, '/v1/models/churn:predict', {
        body: { instances: instances.slice(starts[i], starts[i] + 1 + (i % 4)) },
      }),
    );
    let worst = 0;
    replies.forEach((reply, i) => {
      expect(reply.status).toBe(200);
      expect(reply.body.predictions).toHaveLength(1 + (i % 4));
      reply.body.predictions.forEach((p: { label: string; probabilities: Record<string, number> }, r: number) => {
        const j = starts[i] + r;
        expect(p.label).toBe(labels[j]);
        worst = Math.max(worst, Math.abs(p.probabilities.yes - probs[2 * j + 1]));
      });
    });
    expect(worst).toBeLessThan(1e-5);
    const after = (await call(gw.url, '/metrics')).body as string;
    const runs = metric(after, 'mlops_gateway_session_runs_total') - metric(before, 'mlops_gateway_session_runs_total');
    const requests =
      metric(after, 'mlops_gateway_run_requests_total') - metric(before, 'mlops_gateway_run_requests_total');
    expect(requests).toBe(400);
    expect(runs).toBeLessThan(requests);
  });

  it('answers bad requests with 400, 404, 413 and 401 and a clear message', async () => {
    const missing = await call(gw.url, '/v1/models/churn:predict', {
      body: { instances: [{ age: 1, income: 2, tenure: 3 }] },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("instance 0 has no feature 'plan' (the model takes age, income, tenure, plan)");
    expect(missing.headers.get('x-model-version')).toBe('1');
    const typed = await call(gw.url, '/v1/models/churn:predict', {
      body: { instances: [{ ...customer, age: 'old' }] },
    });
    expect(typed.status).toBe(400);
    expect(typed.body.error).toMatch(/feature 'age' of instance 0 must be a number/);
    const malformed = await call(gw.url, '/v2/models/churn/infer', { body: '{"inputs": [' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/not valid JSON/);
    for (const [path, method] of [
      ['/v1/models/churn:predict', 'POST'],
      ['/v1/models/churn:feedback', 'POST'],
      ['/admin/models/churn/routes', 'PUT'],
    ]) {
      const reply = await call(gw.url, path, { method, body: '{"instances": [1,}', token: TOKEN });
      expect({ path, status: reply.status }).toEqual({ path, status: 400 });
      expect(reply.body.error).toMatch(/^request body is not valid JSON: /);
      const empty = await call(gw.url, path, { method, body: '', token: TOKEN });
      expect({ path, status: empty.status }).toEqual({ path, status: 400 });
    }
    const bigAdmin = await call(gw.url, '/admin/models/churn/routes', {
      method: 'PUT',
      body: ' '.repeat(4 * 1024 * 1024 + 1),
      token: TOKEN,
    });
    expect(bigAdmin.status).toBe(413);
    const lacking = await call(gw.url, '/v2/models/churn/infer', { body: { inputs: v2Input([customer]).slice(1) } });
    expect(lacking.status).toBe(400);
    expect(lacking.body.error).toMatch(/lacks the model's inputs: plan/);
    const wrongType = await call(gw.url, '/v2/models/churn/infer', {
      body: { inputs: v2Input([customer]).map((i) => (i.name === 'plan' ? { ...i, datatype: 'FP32' } : i)) },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toMatch(/input 'plan' has datatype FP32 but the model takes BYTES/);
    const badShape = await call(gw.url, '/v2/models/churn/infer', {
      body: { inputs: v2Input([customer]).map((i) => (i.name === 'age' ? { ...i, shape: [1, 1, 1] } : i)) },
    });
    expect(badShape.status).toBe(400);
    const unknown = await call(gw.url, '/v1/models/nope:predict', { body: { instances: [customer] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/model 'nope' is not registered/);
    expect((await call(gw.url, '/v2/models/nope')).status).toBe(404);
    expect((await call(gw.url, '/v2/models/churn/versions/7/infer', { body: { inputs: [] } })).status).toBe(404);
    expect((await call(gw.url, '/v2/nothing')).status).toBe(404);
    expect((await call(gw.url, '/v2/models/churn/infer')).status).toBe(405);
    const big = await call(gw.url, '/v1/models/churn:predict', { body: 'x'.repeat(4 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/larger than the gateway's limit of 4194304 bytes/);
    // A streamed body has no Content-Length: the limit is enforced while reading.
    const chunked = await fetch(`${gw.url}/v1/models/churn:predict`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(1024 * 1024).fill(32));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await call(gw.url, '/admin/models')).status).toBe(401);
    const wrong = await call(gw.url, '/admin/models', { token: 'wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call(gw.url, '/admin/models', { token: TOKEN })).status).toBe(200);
  });

  it('exposes per-version series on /metrics and windowed stats on the admin API', async () => {
    // Stats are kept per second: start on a fresh second so earlier requests stay out of the window.
    await new Promise((resolve) => setTimeout(resolve, 1001 - (Date.now() % 1000)));
    const since = Date.now();
    await call(gw.url, '/v1/models/house:predict', {
      body: {
        instances: [
          { x1: 0, x2: 0, x3: 0 },
          { x1: 1, x2: 2, x3: 3 },
        ],
      },
    });
    await call(gw.url, '/v1/models/house:predict', { body: { instances: [{ x1: 0, x2: 0 }] } });
    const metrics = await call(gw.url, '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = metrics.body as string;
    expect(text).toMatch(/mlops_gateway_requests_total\{model="churn",version="1",endpoint="v1_predict"\} \d+/);
    expect(text).toMatch(/mlops_gateway_request_errors_total\{model="churn",version="1",status="400"\} \d+/);
    expect(text).toMatch(/mlops_gateway_request_duration_seconds_bucket\{le="0.005",model="house",version="1"\} \d+/);
    expect(text).toMatch(/mlops_gateway_predictions_total\{model="churn",version="1",class="(yes|no)"\} \d+/);
    expect(text).toMatch(/mlops_gateway_prediction_value_count\{model="house",version="1"\} 3/);
    const stats = await call(gw.url, `/admin/models/house/stats?since=${since}`, { token: TOKEN });
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ model: 'house', replica: gw.replica, from: since - (since % 1000) });
    const v1 = stats.body.versions['1'];
    expect(v1).toMatchObject({ requests: 2, errors: 1, predictions: { kind: 'histogram' } });
    expect(v1.latencyMs.p50).toBeGreaterThan(0);
    expect(v1.latencyMs.p99).toBeGreaterThanOrEqual(v1.latencyMs.p50);
    expect(v1.predictions.counts).toHaveLength(v1.predictions.edges.length + 1);
    expect(v1.predictions.counts.reduce((a: number, b: number) => a + b, 0)).toBe(2);
    const churn = await call(gw.url, '/admin/models/churn/stats', { token: TOKEN });
    expect(churn.body.versions['1'].predictions.kind).toBe('classes');
    expect((await call(gw.url, '/admin/models/churn/stats?since=soon', { token: TOKEN })).status).toBe(400);
  });

  it('logs predictions and feedback as Arrow segments the readers return', async () => {
    const since = Date.now();
    const reply = await call(gw.url, '/v1/models/churn:predict', {
      body: { instances: [customer, { ...customer, age: null }] },
      headers: { 'x-request-id': 'logged-1' },
    });
    expect(reply.body.id).toBe('logged-1');
    const feedback = await call(gw.url, '/v1/models/churn:feedback', {
      body: [
        { requestId: 'logged-1', label: 'yes' },
        { requestId: 'logged-1', row: 1, label: 'no' },
      ],
    });
    expect(feedback.body).toEqual({ model: 'churn', accepted: 2 });
    expect((await call(gw.url, '/v1/models/churn:feedback', { body: { label: 'yes' } })).status).toBe(400);
    await gw.close();
    const log = await readPredictionLog({ home, model: 'churn', version: 1, since });
    expect(log.numRows).toBe(2);
    const rows = log.toArray().map((r) => r.toJSON());
    expect(rows[0]).toMatchObject({ request_id: 'logged-1', row: 0, model_version: 1, age: 41, plan: 'pro' });
    expect(rows[1].age).toBeNull();
    expect(rows[0]['prediction.label']).toBe(reply.body.predictions[0].label);
    expect(rows[0]['prediction.probability.yes']).toBeCloseTo(reply.body.predictions[0].probabilities.yes, 12);
    const all = await readPredictionLog({ home, model: 'churn' });
    expect(all.numRows).toBeGreaterThan(1000);
    const labels = await readFeedback({ home, model: 'churn', since });
    expect(labels.toArray().map((r) => r.toJSON())).toEqual([
      expect.objectContaining({ request_id: 'logged-1', row: 0, label: 'yes', value: null }),
      expect.objectContaining({ request_id: 'logged-1', row: 1, label: 'no', value: null }),
    ]);
    const house = await readPredictionLog({ home, model: 'house' });
    expect(house.schema.fields.map((f) => f.name)).toEqual([
      'request_id',
      'row',
      'timestamp',
      'model_version',
      'x1',
      'x2',
      'x3',
      'prediction.value',
    ]);
  });
});
