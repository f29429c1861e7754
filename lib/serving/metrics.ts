/**
 * Prometheus metrics of one gateway (its own prom-client registry, so replicas in one process stay apart):
 * per model version requests, errors, latency and prediction distribution, plus the routes each model serves.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VALUE_EDGES } from './buckets';
import type { ServedModel } from './reconciler';
import type { ServedVersion } from './served-version';

/** Latency histogram bounds in seconds. */
const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What one answered inference request adds to the metrics. */
export interface RequestObservation {
  model: string;
  version: number;
  endpoint: 'v2_infer' | 'v1_predict';
  status: number;
  seconds: number;
  classes?: string[];
  values?: ArrayLike<number>;
}

/**
 * Increments of a counter labelled by model, version and one more label, summed per series on the request path
 * (a map lookup) and handed to prom-client, which hashes and validates the labels on every call, when the metrics
 * are read.
 */
class PendingCounts<L extends string> {
  private readonly series = new Map<string, { labels: Record<'model' | 'version' | L, string>; n: number }>();

  constructor(
    private readonly counter: Counter<'model' | 'version' | L>,
    private readonly label: L,
  ) {}

  add(model: string, version: string, value: string, n = 1): void {
    const key = `${model}\u0000${version}\u0000${value}`;
    const entry = this.series.get(key);
    if (entry) entry.n += n;
    else {
      const labels = { model, version, [this.label]: value } as Record<'model' | 'version' | L, string>;
      this.series.set(key, { labels, n });
    }
  }

  /** Adds the pending increments to the counter. */
  flush(): void {
    for (const entry of this.series.values()) {
      if (entry.n === 0) continue;
      this.counter.inc(entry.labels, entry.n);
      entry.n = 0;
    }
  }
}

/** The gateway's metrics and the registry `/metrics` renders. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'version' | 'endpoint'>;
  private readonly errors: Counter<'model' | 'version' | 'status'>;
  private readonly latency: Histogram<'model' | 'version'>;
  private readonly classes: Counter<'model' | 'version' | 'class'>;
  private readonly values: Histogram<'model' | 'version'>;
  private readonly weight: Gauge<'model' | 'version' | 'role'>;
  private readonly generation: Gauge<'model'>;
  private readonly pendingRequests: PendingCounts<'endpoint'>;
  private readonly pendingErrors: PendingCounts<'status'>;
  private readonly pendingClasses: PendingCounts<'class'>;
  private readonly runs: Counter<'model' | 'version'>;
  private readonly runRequests: Counter<'model' | 'version'>;
  /** Latency and value histograms of each version, resolved once: prom-client hashes label objects per call. */
  private readonly children = new Map<
    string,
    { latency: Histogram.Internal<'model' | 'version'>; values: Histogram.Internal<'model' | 'version'> }
  >();
  /** Run counts of the routed versions as last flushed, to add only what is new. */
  private readonly flushedRuns = new Map<ServedVersion, { runs: number; requests: number }>();
  private table: ReadonlyMap<string, ServedModel> = new Map();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'mlops_gateway_' });
    this.requests = new Counter({
      name: 'mlops_gateway_requests_total',
      help: 'Inference requests answered, per model version and endpoint',
      labelNames: ['model', 'version', 'endpoint'],
      registers,
      collect: () => this.pendingRequests.flush(),
    });
    this.errors = new Counter({
      name: 'mlops_gateway_request_errors_total',
      help: 'Inference requests answered with an error status, per model version and status',
      labelNames: ['model', 'version', 'status'],
      registers,
      collect: () => this.pendingErrors.flush(),
    });
    this.latency = new Histogram({
      name: 'mlops_gateway_request_duration_seconds',
      help: 'Time from request to response, per model version',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.classes = new Counter({
      name: 'mlops_gateway_predictions_total',
      help: 'Predicted classes of classifiers, per model version and class',
      labelNames: ['model', 'version', 'class'],
      registers,
      collect: () => this.pendingClasses.flush(),
    });
    this.values = new Histogram({
      name: 'mlops_gateway_prediction_value',
      help: 'Predicted values of regressors over fixed buckets, per model version',
      labelNames: ['model', 'version'],
      buckets: [...VALUE_EDGES],
      registers,
    });
    this.weight = new Gauge({
      name: 'mlops_gateway_route_weight',
      help: 'Share of traffic each routed version takes (role stable or canary)',
      labelNames: ['model', 'version', 'role'],
      registers,
    });
    this.generation = new Gauge({
      name: 'mlops_gateway_routes_generation',
      help: 'Registry routes generation each model is served at (0: champion without routes)',
      labelNames: ['model'],
      registers,
    });
    this.runs = new Counter({
      name: 'mlops_gateway_session_runs_total',
      help: 'onnxruntime session runs, per routed model version (fewer than requests when requests were batched)',
      labelNames: ['model', 'version'],
      registers,
      collect: () => this.flushRuns(),
    });
    this.runRequests = new Counter({
      name: 'mlops_gateway_run_requests_total',
      help: 'Inference requests those session runs answered, per routed model version',
      labelNames: ['model', 'version'],
      registers,
    });
    this.pendingRequests = new PendingCounts(this.requests, 'endpoint');
    this.pendingErrors = new PendingCounts(this.errors, 'status');
    this.pendingClasses = new PendingCounts(this.classes, 'class');
  }

  /** Records one answered request. */
  observe(o: RequestObservation): void {
    const version = String(o.version);
    this.pendingRequests.add(o.model, version, o.endpoint);
    if (o.status >= 400) this.pendingErrors.add(o.model, version, String(o.status));
    const key = `${o.model}\u0000${version}`;
    let child = this.children.get(key);
    if (!child) {
      child = { latency: this.latency.labels(o.model, version), values: this.values.labels(o.model, version) };
      this.children.set(key, child);
    }
    child.latency.observe(o.seconds);
    if (o.classes) for (const c of o.classes) this.pendingClasses.add(o.model, version, c);
    if (o.values) for (let i = 0; i < o.values.length; i++) child.values.observe(o.values[i]);
  }

  /** Adds what the routed versions ran since the last flush to the run counters. */
  private flushRuns(): void {
    for (const { versions } of this.table.values()) {
      for (const served of versions.values()) {
        const now = served.runCounts;
        const last = this.flushedRuns.get(served) ?? { runs: 0, requests: 0 };
        const labels = { model: served.model, version: String(served.version) };
        if (now.runs > last.runs) this.runs.inc(labels, now.runs - last.runs);
        if (now.requests > last.requests) this.runRequests.inc(labels, now.requests - last.requests);
        this.flushedRuns.set(served, { runs: now.runs, requests: now.requests });
      }
    }
  }

  /** Sets the route gauges to what the replica serves now. */
  setRoutes(table: ReadonlyMap<string, ServedModel>): void {
    this.flushRuns();
    this.table = table;
    const routed = new Set([...table.values()].flatMap((m) => [...m.versions.values()]));
    for (const served of this.flushedRuns.keys()) if (!routed.has(served)) this.flushedRuns.delete(served);
    this.weight.reset();
    this.generation.reset();
    for (const [model, { route }] of table) {
      this.generation.set({ model }, route.generation);
      const canaryShare = route.canary === null ? 0 : route.canaryWeight;
      this.weight.set({ model, version: String(route.stable), role: 'stable' }, 1 - canaryShare);
      if (route.canary !== null) this.weight.set({ model, version: String(route.canary), role: 'canary' }, canaryShare);
    }
  }

  /** The metrics in Prometheus text format and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
