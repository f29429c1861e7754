/**
 * Windowed per-version statistics for the rollout: requests, errors, latency buckets and prediction distribution
 * in one bucket per second, kept in memory for the last 30 minutes (a ring per model version). Reads sum the
 * seconds of a window; percentiles come from fixed log-spaced latency buckets.
 */
import { bucketOf, LATENCY_BUCKETS, latencyBucket, latencyQuantile, VALUE_EDGES } from './buckets';

/** Seconds kept per version. */
export const STATS_RETENTION_S = 1800;

/** The prediction distribution of a window: class counts, or value counts over fixed edges. */
export type DistributionStats =
  { kind: 'classes'; counts: Record<string, number> } | { kind: 'histogram'; edges: number[]; counts: number[] };

/** One version's figures over a window. */
export interface VersionStats {
  requests: number;
  errors: number;
  latencyMs: { p50: number; p99: number };
  predictions: DistributionStats | null;
}

/** Answer of the stats endpoint. */
export interface ModelStats {
  model: string;
  replica: string;
  /** Window start and end, epoch milliseconds. */
  from: number;
  to: number;
  versions: Record<string, VersionStats>;
}

/** What one request contributes. */
export interface StatsSample {
  latencyMs: number;
  error: boolean;
  classes?: string[];
  values?: ArrayLike<number>;
}

interface Slot {
  second: number;
  requests: number;
  errors: number;
  latency: Uint32Array;
  classes: Map<string, number> | null;
  values: Uint32Array | null;
}

/** Per-second buckets of every model version a replica served recently. */
export class WindowStats {
  private readonly rings = new Map<string, Map<number, (Slot | undefined)[]>>();

  constructor(
    readonly replica: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds one request's figures to the current second of its version. */
  record(model: string, version: number, sample: StatsSample): void {
    const slot = this.slot(model, version, Math.floor(this.now() / 1000));
    slot.requests++;
    if (sample.error) slot.errors++;
    slot.latency[latencyBucket(sample.latencyMs)]++;
    if (sample.classes) {
      slot.classes ??= new Map();
      for (const c of sample.classes) slot.classes.set(c, (slot.classes.get(c) ?? 0) + 1);
    }
    if (sample.values) {
      slot.values ??= new Uint32Array(VALUE_EDGES.length + 1);
      for (let i = 0; i < sample.values.length; i++) slot.values[bucketOf(VALUE_EDGES, sample.values[i])]++;
    }
  }

  /**
   * Sums the seconds from `since` (epoch ms, clamped to the retention) to now, per version. The window starts at
   * the beginning of the second `since` falls in, which is the `from` it reports.
   */
  read(model: string, since?: number): ModelStats {
    const to = this.now();
    const oldest = (Math.floor(to / 1000) - STATS_RETENTION_S + 1) * 1000;
    const first = Math.floor(Math.max(since ?? oldest, oldest) / 1000);
    const from = first * 1000;
    const versions: Record<string, VersionStats> = {};
    const byVersion = this.rings.get(model);
    for (const [version, ring] of byVersion ?? []) {
      // A version without a second inside the retention is forgotten, so retired versions do not pile up.
      if (!ring.some((slot) => slot !== undefined && slot.second * 1000 >= oldest)) {
        byVersion?.delete(version);
        continue;
      }
      const latency = new Uint32Array(LATENCY_BUCKETS);
      const classes = new Map<string, number>();
      let values: number[] | null = null;
      let requests = 0;
      let errors = 0;
      for (const slot of ring) {
        if (!slot || slot.second < first || slot.second * 1000 > to) continue;
        requests += slot.requests;
        errors += slot.errors;
        for (let i = 0; i < LATENCY_BUCKETS; i++) latency[i] += slot.latency[i];
        for (const [c, n] of slot.classes ?? []) classes.set(c, (classes.get(c) ?? 0) + n);
        if (slot.values) {
          values ??= new Array<number>(VALUE_EDGES.length + 1).fill(0);
          for (let i = 0; i < slot.values.length; i++) values[i] += slot.values[i];
        }
      }
      if (requests === 0) continue;
      let predictions: DistributionStats | null = null;
      if (values) predictions = { kind: 'histogram', edges: [...VALUE_EDGES], counts: values };
      else if (classes.size > 0) predictions = { kind: 'classes', counts: Object.fromEntries([...classes].sort()) };
      versions[String(version)] = {
        requests,
        errors,
        latencyMs: { p50: latencyQuantile(latency, 0.5), p99: latencyQuantile(latency, 0.99) },
        predictions,
      };
    }
    return { model, replica: this.replica, from, to, versions };
  }

  private slot(model: string, version: number, second: number): Slot {
    let byVersion = this.rings.get(model);
    if (!byVersion) this.rings.set(model, (byVersion = new Map()));
    let ring = byVersion.get(version);
    if (!ring) byVersion.set(version, (ring = new Array<Slot | undefined>(STATS_RETENTION_S)));
    const index = second % STATS_RETENTION_S;
    let slot = ring[index];
    if (!slot || slot.second !== second) {
      slot = { second, requests: 0, errors: 0, latency: new Uint32Array(LATENCY_BUCKETS), classes: null, values: null };
      ring[index] = slot;
    }
    return slot;
  }
}
