/**
 * The canary verdict: a pure function of the live figures of the stable and canary versions over one
 * rollout so far (both versions are unchanged across steps, so their figures accumulate). Error rates are
 * compared with a one-sided exact conditional test, latency by the p99 ratio, and predictions by PSI
 * confirmed by a chi-square test. Each step needs its own canary traffic: too little never promotes —
 * it waits, then aborts.
 */
import { compareCounts, errorRateExcessPValue } from './stats';

/** What a rollout does and how strict its judge is. */
export interface CanaryPolicy {
  /** Canary traffic per step in percent, ascending, ending at 100. */
  steps: number[];
  bakeSeconds: number;
  /** Canary (and, below 100 %, stable) requests needed in a window before judging. */
  minRequests: number;
  /** Extra time a step may wait for enough traffic before the rollout aborts. */
  maxWaitSeconds: number;
  /** Significance of the one-sided error-rate test per step. */
  alpha: number;
  /** Rollback when canary p99 (or p50) exceeds stable's by this factor… */
  maxLatencyRatio: number;
  /** …and by at least this many milliseconds (sub-millisecond jitter is not a regression). */
  minLatencyDeltaMs: number;
  /** Rollback when the prediction distribution's PSI exceeds this (and the chi-square test agrees). */
  maxPredictionPsi: number;
  /** Wait for an `approve` update before the last step. */
  requireApproval: boolean;
}

/** Defaults: 5 → 25 → 50 → 100 %, one-minute bakes, α = 0.005 per look (≤ 2 % false rollbacks over 4 steps, by Bonferroni). */
export const DEFAULT_CANARY_POLICY: CanaryPolicy = {
  steps: [5, 25, 50, 100],
  bakeSeconds: 60,
  minRequests: 100,
  maxWaitSeconds: 300,
  alpha: 0.005,
  maxLatencyRatio: 2,
  minLatencyDeltaMs: 1,
  maxPredictionPsi: 0.2,
  requireApproval: false,
};

/** Live figures of one version over a window. */
export interface VersionWindow {
  requests: number;
  errors: number;
  latencyMs: { p50: number; p99: number };
  /** Class counts (classifier) or histogram counts over fixed edges (regression). */
  predictions?:
    { kind: 'classes'; counts: Record<string, number> } | { kind: 'histogram'; edges: number[]; counts: number[] };
}

/** The judge's decision for one window. */
export interface CanaryVerdict {
  decision: 'advance' | 'wait' | 'rollback' | 'abort';
  reasons: string[];
  errorRate?: { stable: number; canary: number; pValue: number };
  latencyRatio?: number;
  predictionShift?: { psi: number; pValue: number };
}

function predictionCounts(
  w: VersionWindow['predictions'],
  v: VersionWindow['predictions'],
): [number[], number[]] | undefined {
  if (!w || !v || w.kind !== v.kind) return undefined;
  if (w.kind === 'classes' && v.kind === 'classes') {
    const keys = [...new Set([...Object.keys(w.counts), ...Object.keys(v.counts)])].sort();
    return [keys.map((k) => w.counts[k] ?? 0), keys.map((k) => v.counts[k] ?? 0)];
  }
  if (w.kind === 'histogram' && v.kind === 'histogram' && w.counts.length === v.counts.length)
    return [w.counts, v.counts];
  return undefined;
}

/** Policy problems (empty when valid). */
export function canaryPolicyProblems(p: CanaryPolicy): string[] {
  const problems: string[] = [];
  const ascending = p.steps.every((s, i) => s > 0 && s <= 100 && (i === 0 || s > p.steps[i - 1]));
  if (p.steps.length === 0 || !ascending || p.steps[p.steps.length - 1] !== 100) {
    problems.push('steps must be ascending percentages in (0, 100] ending at 100');
  }
  if (!(p.bakeSeconds > 0)) problems.push('bakeSeconds must be > 0');
  if (!(p.minRequests >= 1)) problems.push('minRequests must be >= 1');
  if (!(p.alpha > 0 && p.alpha < 0.5)) problems.push('alpha must be in (0, 0.5)');
  if (!(p.maxLatencyRatio >= 1)) problems.push('maxLatencyRatio must be >= 1');
  if (!(p.maxWaitSeconds >= 0)) problems.push('maxWaitSeconds must be >= 0');
  return problems;
}

/**
 * Judges the rollout so far. `stable` and `canary` hold each version's figures since the rollout began;
 * `stepCanaryRequests` counts the canary's requests in the current step alone; `waitedSeconds` is how
 * long this step has waited for traffic beyond its bake.
 */
export function judgeCanary(input: {
  policy: CanaryPolicy;
  stable: VersionWindow;
  canary: VersionWindow;
  stepCanaryRequests: number;
  waitedSeconds: number;
}): CanaryVerdict {
  const { policy, stable, canary } = input;
  if (input.stepCanaryRequests < policy.minRequests || stable.requests < policy.minRequests) {
    const reason = `not enough traffic: canary ${input.stepCanaryRequests} requests this step, stable ${stable.requests} (need ${policy.minRequests} each)`;
    if (input.waitedSeconds >= policy.maxWaitSeconds) return { decision: 'abort', reasons: [reason] };
    return { decision: 'wait', reasons: [reason] };
  }
  const reasons: string[] = [];
  const ps = stable.errors / stable.requests;
  const pc = canary.errors / canary.requests;
  const pValue = errorRateExcessPValue(canary.errors, canary.requests, stable.errors, stable.requests);
  if (pValue < policy.alpha) {
    reasons.push(
      `error rate ${(pc * 100).toFixed(2)}% vs stable ${(ps * 100).toFixed(2)}% (p = ${pValue.toExponential(2)})`,
    );
  }
  // The tail is what users feel, but on a small host a slow canary also queues stable requests behind it
  // and lifts their tail too; the median then still tells them apart.
  const ratio = (q: 'p50' | 'p99') =>
    stable.latencyMs[q] > 0 ? canary.latencyMs[q] / stable.latencyMs[q] : Number.POSITIVE_INFINITY;
  const latencyRatio = ratio('p99');
  // Below 100 samples a p99 is just the maximum (one cold request decides it), so only p50 is judged.
  const enoughForTail = canary.requests >= 100 && stable.requests >= 100;
  for (const q of enoughForTail ? (['p99', 'p50'] as const) : (['p50'] as const)) {
    const slower = canary.latencyMs[q] - stable.latencyMs[q] > policy.minLatencyDeltaMs;
    if (ratio(q) > policy.maxLatencyRatio && slower) {
      reasons.push(
        `${q} latency ${canary.latencyMs[q].toFixed(2)} ms is ${ratio(q).toFixed(1)}x stable's ${stable.latencyMs[q].toFixed(2)} ms`,
      );
      break;
    }
  }
  let predictionShift: CanaryVerdict['predictionShift'];
  const counts = predictionCounts(stable.predictions, canary.predictions);
  if (counts) {
    const { psi, pValue: shiftP } = compareCounts(counts[0], counts[1]);
    predictionShift = { psi, pValue: shiftP };
    if (psi > policy.maxPredictionPsi && shiftP < policy.alpha) {
      reasons.push(`prediction distribution shifted: PSI ${psi.toFixed(3)} (p = ${shiftP.toExponential(2)})`);
    }
  }
  return {
    decision: reasons.length > 0 ? 'rollback' : 'advance',
    reasons,
    errorRate: { stable: ps, canary: pc, pValue },
    latencyRatio,
    predictionShift,
  };
}
