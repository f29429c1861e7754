/** Fixed bucket edges shared by the Prometheus histograms and the windowed stats, so both read the same. */

/**
 * Edges of the regression value histogram: 0 and ±(1, 2, 5)·10^k for k in -3..6. Fixed, so the histograms of a
 * stable and a canary version, and of two replicas, can be compared and summed bucket by bucket.
 */
export const VALUE_EDGES: readonly number[] = (() => {
  const positive: number[] = [];
  for (let k = -3; k <= 6; k++) for (const m of [1, 2, 5]) positive.push(Number((m * 10 ** k).toPrecision(1)));
  return [...positive.map((v) => -v).reverse(), 0, ...positive];
})();

/** Bucket of a value among `edges`: i such that edges[i-1] <= value < edges[i]; 0 below all, edges.length above. */
export function bucketOf(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value < edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Smallest latency bucket bound, in milliseconds. */
const LATENCY_MIN_MS = 0.01;
/** Ratio between neighbouring latency bounds: percentiles read from the buckets are within 10% (one bucket). */
const LATENCY_GROWTH = 1.1;
/** Number of latency buckets: bounds from 0.01 ms to about 10 minutes, then one overflow bucket. */
export const LATENCY_BUCKETS = Math.ceil(Math.log(600_000 / LATENCY_MIN_MS) / Math.log(LATENCY_GROWTH)) + 1;

/** Latency bucket of a duration in milliseconds. */
export function latencyBucket(ms: number): number {
  if (!(ms > LATENCY_MIN_MS)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, Math.ceil(Math.log(ms / LATENCY_MIN_MS) / Math.log(LATENCY_GROWTH)));
}

/** Upper bound of a latency bucket in milliseconds. */
export function latencyBound(bucket: number): number {
  return LATENCY_MIN_MS * LATENCY_GROWTH ** bucket;
}

/** The `q` quantile (0..1) of latency bucket counts, as its bucket's upper bound (0 when empty). */
export function latencyQuantile(counts: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return Number(latencyBound(i).toPrecision(3));
  }
  return Number(latencyBound(counts.length - 1).toPrecision(3));
}
