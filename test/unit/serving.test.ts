/**
 * Parts of the serving gateway: routing buckets, histogram buckets, windowed stats, token, settings, segments, and the
 * model-loading preflight (which spawns its child process).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { ConfigError } from '../../lib/config';
import {
  bucketOf,
  latencyBucket,
  latencyBound,
  latencyQuantile,
  LATENCY_BUCKETS,
  VALUE_EDGES,
} from '../../lib/serving/buckets';
import { readFeedback } from '../../lib/serving/log-reader';
import * as ort from 'onnxruntime-node';
import { RunBatcher } from '../../lib/serving/batcher';
import { ModelPreflight } from '../../lib/serving/preflight';
import { PredictionLog } from '../../lib/serving/prediction-log';
import { chooseVersion, routingBucket } from '../../lib/serving/routing';
import type { RouteState } from '../../lib/serving/routing';
import { SegmentBuffer, windowName, windowStartOf } from '../../lib/serving/segments';
import type { SegmentField } from '../../lib/serving/segments';
import { gatewaySettings, parseByteSize } from '../../lib/serving/settings';
import { bearerMatches, resolveGatewayToken } from '../../lib/serving/token';
import { STATS_RETENTION_S, WindowStats } from '../../lib/serving/window-stats';

const route = (canaryWeight: number): RouteState => ({
  model: 'churn',
  stable: 1,
  canary: 2,
  canaryWeight,
  generation: 1,
  source: 'routes',
});

describe('routing', () => {
  it('hashes keys to stable buckets in [0, 1), spread evenly', () => {
    expect(routingBucket('churn', 'alice')).toBe(routingBucket('churn', 'alice'));
    expect(routingBucket('churn', 'alice')).not.toBe(routingBucket('other', 'alice'));
    const buckets = Array.from({ length: 10000 }, (_, i) => routingBucket('churn', `key-${i}`));
    expect(buckets.every((b) => b >= 0 && b < 1)).toBe(true);
    const low = buckets.filter((b) => b < 0.3).length / buckets.length;
    expect(Math.abs(low - 0.3)).toBeLessThan(0.02);
  });

  it('keeps a key on the canary as the weight grows, and on stable at weight 0', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (key, w1, w2) => {
          const [lo, hi] = w1 <= w2 ? [w1, w2] : [w2, w1];
          if (key !== '' && chooseVersion(route(lo), key) === 2) expect(chooseVersion(route(hi), key)).toBe(2);
          expect(chooseVersion(route(0), key)).toBe(1);
        },
      ),
    );
    expect(chooseVersion(route(1), 'any')).toBe(2);
    expect(chooseVersion(route(0.5), undefined, () => 0.49)).toBe(2);
    expect(chooseVersion(route(0.5), undefined, () => 0.5)).toBe(1);
    expect(chooseVersion({ ...route(0.5), canary: null })).toBe(1);
  });
});

describe('buckets', () => {
  it('places values between fixed edges', () => {
    expect(VALUE_EDGES).toContain(0);
    expect([...VALUE_EDGES].sort((a, b) => a - b)).toEqual(VALUE_EDGES);
    expect(bucketOf(VALUE_EDGES, -1e9)).toBe(0);
    expect(bucketOf(VALUE_EDGES, 1e9)).toBe(VALUE_EDGES.length);
    fc.assert(
      fc.property(fc.double({ min: -1e7, max: 1e7, noNaN: true }), (v) => {
        const i = bucketOf(VALUE_EDGES, v);
        if (i > 0) expect(v).toBeGreaterThanOrEqual(VALUE_EDGES[i - 1]);
        if (i < VALUE_EDGES.length) expect(v).toBeLessThan(VALUE_EDGES[i]);
      }),
    );
  });

  it('reads latency quantiles within one bucket (10%)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.02, max: 100000, noNaN: true }), (ms) => {
        const bound = latencyBound(latencyBucket(ms));
        expect(bound).toBeGreaterThanOrEqual(ms * 0.999999);
        expect(bound).toBeLessThan(ms * 1.1 + 1e-9);
      }),
    );
    const counts = new Uint32Array(LATENCY_BUCKETS);
    for (let i = 1; i <= 100; i++) counts[latencyBucket(i)]++;
    expect(latencyQuantile(counts, 0.5)).toBeGreaterThanOrEqual(50);
    expect(latencyQuantile(counts, 0.5)).toBeLessThan(55);
    expect(latencyQuantile(counts, 0.99)).toBeGreaterThanOrEqual(99);
    expect(latencyQuantile(new Uint32Array(LATENCY_BUCKETS), 0.5)).toBe(0);
  });
});

describe('WindowStats', () => {
  it('sums per-second buckets over the asked window and forgets what is older than the retention', () => {
    let now = 1_700_000_000_000;
    const stats = new WindowStats('r1', () => now);
    stats.record('churn', 1, { latencyMs: 2, error: false, classes: ['yes', 'no', 'yes'] });
    now += 5000;
    stats.record('churn', 1, { latencyMs: 4, error: true });
    stats.record('churn', 2, { latencyMs: 8, error: false, classes: ['no'] });
    stats.record('house', 1, { latencyMs: 1, error: false, values: [0.5, 3, 3] });
    const all = stats.read('churn');
    expect(all.versions['1']).toMatchObject({
      requests: 2,
      errors: 1,
      predictions: { kind: 'classes', counts: { no: 1, yes: 2 } },
    });
    expect(all.versions['2'].requests).toBe(1);
    expect(stats.read('churn', now - 1000).versions['1']).toMatchObject({ requests: 1, errors: 1, predictions: null });
    const house = stats.read('house').versions['1'].predictions;
    expect(house).toEqual({ kind: 'histogram', edges: VALUE_EDGES, counts: expect.any(Array) });
    if (house?.kind === 'histogram') expect(house.counts[bucketOf(VALUE_EDGES, 3)]).toBe(2);
    now += STATS_RETENTION_S * 1000;
    expect(stats.read('churn').versions).toEqual({});
    expect(stats.read('unknown')).toMatchObject({ model: 'unknown', replica: 'r1', versions: {} });
  });
});

describe('token', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'token-'));
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it('generates a token file with mode 0600 once and reuses it', async () => {
    const first = await resolveGatewayToken(home);
    expect(first.file).toBe(join(home, 'gateway.token'));
    expect(first.token).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(first.file!)).mode & 0o777).toBe(0o600);
    expect((await resolveGatewayToken(home)).token).toBe(first.token);
    expect((await readFile(first.file!, 'utf8')).trim()).toBe(first.token);
    expect(await resolveGatewayToken(home, 'from-env')).toEqual({ token: 'from-env' });
  });

  it('tightens a token file that others can read', async () => {
    await writeFile(join(home, 'gateway.token'), 'abc\n', { mode: 0o644 });
    expect((await resolveGatewayToken(home)).token).toBe('abc');
    expect((await stat(join(home, 'gateway.token'))).mode & 0o777).toBe(0o600);
  });

  it('matches only the exact bearer token', () => {
    expect(bearerMatches('Bearer secret', 'secret')).toBe(true);
    expect(bearerMatches('bearer secret', 'secret')).toBe(true);
    expect(bearerMatches('Bearer secret2', 'secret')).toBe(false);
    expect(bearerMatches('Bearer ', 'secret')).toBe(false);
    expect(bearerMatches('Basic secret', 'secret')).toBe(false);
    expect(bearerMatches(undefined, 'secret')).toBe(false);
  });
});

describe('settings', () => {
  it('parses sizes and the gateway environment, failing fast on bad values', () => {
    expect(parseByteSize('4194304', 'X')).toBe(4194304);
    expect(parseByteSize('4MiB', 'X')).toBe(4194304);
    expect(parseByteSize('512k', 'X')).toBe(524288);
    expect(() => parseByteSize('4GB', 'X')).toThrow(ConfigError);
    const defaults = gatewaySettings({});
    expect(defaults).toMatchObject({ maxBodyBytes: 4194304, logWindowMs: 60000, reconcileMs: 500 });
    expect(defaults.token).toBeUndefined();
    expect(defaults.replica).toMatch(/^[A-Za-z0-9-]+$/);
    const set = gatewaySettings({
      MLOPS_GATEWAY_MAX_BODY: '1KiB',
      MLOPS_GATEWAY_LOG_WINDOW_S: '5',
      MLOPS_GATEWAY_TOKEN: 't',
      MLOPS_GATEWAY_REPLICA: 'a-1',
    });
    expect(set).toEqual({
      maxBodyBytes: 1024,
      logWindowMs: 5000,
      reconcileMs: 500,
      token: 't',
      replica: 'a-1',
      intraOpThreads: 1,
      maxBatchRows: 256,
      preflightTimeoutMs: 60000,
    });
    expect(() => gatewaySettings({ MLOPS_GATEWAY_LOG_WINDOW_S: '7200' })).toThrow(/MLOPS_GATEWAY_LOG_WINDOW_S/);
    expect(() => gatewaySettings({ MLOPS_GATEWAY_REPLICA: 'a/b' })).toThrow(/MLOPS_GATEWAY_REPLICA/);
  });

  it('reads the preflight timeout and the TLS pair, refusing half a pair', () => {
    const tls = { MLOPS_GATEWAY_TLS_CERT_PATH: '/c.pem', MLOPS_GATEWAY_TLS_KEY_PATH: '/k.pem' };
    expect(gatewaySettings({ ...tls, MLOPS_GATEWAY_PREFLIGHT_TIMEOUT_S: '5' })).toMatchObject({
      preflightTimeoutMs: 5000,
      tls: { certPath: '/c.pem', keyPath: '/k.pem' },
    });
    expect(gatewaySettings({ MLOPS_GATEWAY_TLS_CERT_PATH: ' ' }).tls).toBeUndefined();
    expect(() => gatewaySettings({ MLOPS_GATEWAY_TLS_CERT_PATH: '/c.pem' })).toThrow(
      /both the certificate and the key/,
    );
    expect(() => gatewaySettings({ MLOPS_GATEWAY_PREFLIGHT_TIMEOUT_S: '0' })).toThrow(/PREFLIGHT_TIMEOUT_S/);
  });
});

describe('RunBatcher', () => {
  /** A session doubling `x` (float32 [n, 1]) after a pause; negative inputs fail; `perRow: false` sums the batch. */
  function fakeSession(perRow = true) {
    const calls: number[] = [];
    const session = {
      async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
        const x = feeds.x.data as Float32Array;
        calls.push(x.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (x.some((v) => v < 0)) throw new Error('negative input');
        if (!perRow) return { y: new ort.Tensor('float32', Float32Array.of(x.reduce((a, b) => a + b, 0)), [1]) };
        return {
          y: new ort.Tensor(
            'float32',
            x.map((v) => v * 2),
            [x.length, 1],
          ),
        };
      },
    };
    return { session: session as unknown as ort.InferenceSession, calls };
  }
  const feed = (values: number[]) => ({
    x: { type: 'float32' as const, data: Float64Array.from(values), dims: [values.length, 1] },
  });
  const ys = (r: ort.InferenceSession.OnnxValueMapType) => Array.from((r.y as ort.Tensor).data as Float32Array);

  it('runs a lone request at once and joins those that arrive meanwhile, splitting the outputs back', async () => {
    const { session, calls } = fakeSession();
    const batcher = new RunBatcher(session, 256);
    const inputs = [[1], [2, 3], [4], [5, 6, 7], [8]];
    const replies = await Promise.all(inputs.map((x) => batcher.run(feed(x), ['y'], x.length)));
    expect(replies.map(ys)).toEqual(inputs.map((x) => x.map((v) => v * 2)));
    expect(calls).toEqual([1, 7]);
    expect(batcher.counts).toEqual({ runs: 2, requests: 5 });
  });

  it('keeps an error to the request that caused it, and runs alone what does not split per row', async () => {
    const { session, calls } = fakeSession();
    const batcher = new RunBatcher(session, 256);
    const replies = await Promise.allSettled([[1], [2], [-1], [3]].map((x) => batcher.run(feed(x), ['y'], 1)));
    expect(replies.map((r) => (r.status === 'fulfilled' ? ys(r.value) : String(r.reason)))).toEqual([
      [2],
      [4],
      'Error: negative input',
      [6],
    ]);
    expect(calls).toEqual([1, 3, 1, 1, 1]);
    const summing = fakeSession(false);
    const alone = new RunBatcher(summing.session, 256);
    const sums = await Promise.all([[1], [2, 3], [4]].map((x) => alone.run(feed(x), ['y'], x.length)));
    expect(sums.map(ys)).toEqual([[1], [5], [4]]);
  });

  it('does not batch with a limit of one row, nor requests with other inputs', async () => {
    const { session, calls } = fakeSession();
    const single = new RunBatcher(session, 1);
    await Promise.all([[1], [2], [3]].map((x) => single.run(feed(x), ['y'], 1)));
    expect(calls).toEqual([1, 1, 1]);
    calls.length = 0;
    const batcher = new RunBatcher(session, 256);
    const wide = { x: { type: 'float32' as const, data: Float64Array.of(1, 2), dims: [1, 2] } };
    await Promise.all([
      batcher.run(feed([1]), ['y'], 1),
      batcher.run(feed([2]), ['y'], 1),
      batcher.run(wide, ['y'], 1),
    ]);
    expect(calls).toEqual([1, 1, 2]);
  });
});

describe('model-loading preflight', () => {
  const fixture = (name: string) => join(__dirname, '..', 'fixtures', 'evaluation', name, 'model.onnx');
  const sha = async (path: string) =>
    createHash('sha256')
      .update(await readFile(path))
      .digest('hex');

  it('passes a good model in a child once, then from its cache by sha256', async () => {
    const preflight = new ModelPreflight({ logger: pino({ level: 'silent' }) });
    const request = { path: fixture('binary'), sha256: await sha(fixture('binary')) };
    const first = await preflight.check(request);
    expect(first).toMatchObject({ ok: true, ranZeros: true });
    expect(preflight.hasPassed(request.sha256)).toBe(true);
    expect(await preflight.check(request)).toBe(first);
  });

  it('refuses a malformed model, and bytes that are not the registered ones, with the reason', async () => {
    const preflight = new ModelPreflight({ logger: pino({ level: 'silent' }) });
    const malformed = { path: fixture('malformed'), sha256: await sha(fixture('malformed')) };
    expect(await preflight.check(malformed)).toMatchObject({ ok: false, reason: /not a loadable ONNX model/ });
    await expect(preflight.require(malformed, 'version 3 of m')).rejects.toThrow(
      /version 3 of m was refused by the loading preflight: .*not a loadable ONNX model/,
    );
    const swapped = await preflight.check({ path: fixture('binary'), sha256: '0'.repeat(64) });
    expect(swapped).toMatchObject({ ok: false, reason: /not the registered 0{64}/ });
    expect(preflight.hasPassed('0'.repeat(64))).toBe(false);
  });
});

describe('log segments', () => {
  it('stage rows row-major and write the same table as rows appended by column (property)', () => {
    const fields: SegmentField[] = [
      { name: 'id', kind: 'utf8' },
      { name: 'n', kind: 'int32' },
      { name: 'x', kind: 'float64' },
      { name: 'label', kind: 'utf8' },
      { name: 't', kind: 'timestamp' },
    ];
    // A request: its rows, and per row a value or a gap (NaN / null) for x and label.
    const request = fc.record({
      rows: fc.integer({ min: 1, max: 300 }),
      staged: fc.boolean(),
      x: fc.option(fc.double({ noNaN: true }), { nil: undefined }),
      label: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 12 }), (requests) => {
        const mixed = new SegmentBuffer(fields, {});
        const byColumn = new SegmentBuffer(fields, {});
        requests.forEach((q, i) => {
          const column = {
            id: new Array<string>(q.rows).fill(`r${i}`),
            n: Int32Array.from({ length: q.rows }, (_, r) => r),
            x: q.x === undefined ? undefined : new Float64Array(q.rows).fill(q.x),
            label: q.label === undefined ? undefined : new Array<string>(q.rows).fill(q.label),
            t: new Float64Array(q.rows).fill(1_700_000_000_000 + i),
          };
          byColumn.append(q.rows, column);
          if (!q.staged) return mixed.append(q.rows, column);
          const first = mixed.stageRows(q.rows);
          for (let r = 0; r < q.rows; r++) {
            const at = (first + r) * mixed.numberWidth;
            const text = (first + r) * mixed.textWidth;
            mixed.texts[text + mixed.textSlot[0]] = `r${i}`;
            mixed.numbers[at + mixed.numberSlot[1]] = r;
            if (q.x !== undefined) mixed.numbers[at + mixed.numberSlot[2]] = q.x;
            if (q.label !== undefined) mixed.texts[text + mixed.textSlot[3]] = q.label;
            mixed.numbers[at + mixed.numberSlot[4]] = 1_700_000_000_000 + i;
          }
        });
        expect(mixed.rows).toBe(byColumn.rows);
        const rows = (b: SegmentBuffer) =>
          b
            .toTable()
            .toArray()
            .map((r) => r.toJSON());
        expect(rows(mixed)).toEqual(rows(byColumn));
      }),
      { numRuns: 60 },
    );
  });

  it('names windows in ISO 8601 basic format and parses them back', () => {
    const start = Date.UTC(2025, 0, 2, 3, 4, 0);
    expect(windowName(start)).toBe('20250102T030400Z');
    expect(windowStartOf(`${windowName(start)}.replica-1.3.arrow`)).toBe(start);
    expect(windowStartOf('.20250102T030400Z.r.1.arrow.tmp')).toBeNaN();
  });

  it('writes one segment per closed window and filters rows by time when read', async () => {
    const home = await mkdtemp(join(tmpdir(), 'segments-'));
    try {
      let now = Date.UTC(2025, 0, 1, 0, 0, 30);
      const log = new PredictionLog(home, {
        windowMs: 60000,
        replica: 'r',
        logger: pino({ level: 'silent' }),
        now: () => now,
      });
      log.appendFeedback('churn', [{ requestId: 'a', row: 0, label: 'yes' }]);
      now += 60000;
      log.appendFeedback('churn', [{ requestId: 'b', row: 2, label: 4.5 }]);
      await log.flush();
      const firstOnly = await readFeedback({ home, model: 'churn' });
      expect(firstOnly.toArray().map((r) => r.toJSON())).toEqual([
        { request_id: 'a', row: 0, timestamp: Date.UTC(2025, 0, 1, 0, 0, 30), label: 'yes', value: null },
      ]);
      await log.close();
      const since = await readFeedback({ home, model: 'churn', since: new Date(now) });
      expect(since.toArray().map((r) => r.toJSON())).toEqual([
        { request_id: 'b', row: 2, timestamp: now, label: '4.5', value: 4.5 },
      ]);
      expect((await readFeedback({ home, model: 'churn', since: '2025-01-01T00:00:00Z' })).numRows).toBe(2);
      expect((await readFeedback({ home, model: 'other' })).numRows).toBe(0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
