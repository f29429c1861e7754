/**
 * Promotion gates: a pure comparator that decides whether a candidate's evidence passes a gate policy,
 * with one reason per failed check. Missing or NaN figures always fail: a model is never promoted on
 * evidence that is not there.
 */

/** Bounds on one metric. */
export interface MetricBound {
  min?: number;
  max?: number;
}

/** Largest allowed regression of one metric against the champion. */
export interface RegressionBound {
  /** How much worse than the champion the candidate may be (≥ 0). */
  maxRegression: number;
  /** Measure the regression relative to the champion's value instead of in absolute terms. */
  relative?: boolean;
}

/** A gate policy; every part optional. */
export interface GatePolicy {
  /** Absolute bounds per metric name (e.g. `{"accuracy": {"min": 0.8}}`). */
  metrics?: Record<string, MetricBound>;
  /** Allowed regression per metric against the current champion. */
  champion?: Record<string, RegressionBound>;
  /** Highest allowed single-row p99 latency in milliseconds. */
  maxLatencyMsP99?: number;
  /** Lowest allowed share of predictions unchanged under input noise. */
  minRobustness?: number;
}

/** The evidence gates look at. */
export interface GateEvidence {
  metrics: Record<string, number | null | undefined>;
  latencyMsP99?: number | null;
  robustness?: number | null;
}

/** One check and its outcome. */
export interface GateCheck {
  gate: 'min' | 'max' | 'champion' | 'latency' | 'robustness';
  metric: string;
  passed: boolean;
  value: number | null;
  threshold: number;
  reason?: string;
}

/** The comparator's verdict. */
export interface GateDecision {
  passed: boolean;
  checks: GateCheck[];
  /** One line per failed check. */
  reasons: string[];
}

/** Metrics where a smaller value is better; every other metric is better when larger. */
export const LOWER_IS_BETTER: readonly string[] = ['logLoss', 'rmse', 'mae', 'mse', 'ece', 'brier'];

const known = (v: number | null | undefined): v is number => typeof v === 'number' && !Number.isNaN(v);

function bound(gate: 'min' | 'max', metric: string, value: number | null | undefined, threshold: number): GateCheck {
  if (!known(value)) {
    return { gate, metric, passed: false, value: null, threshold, reason: `${metric} is missing or NaN` };
  }
  const passed = gate === 'min' ? value >= threshold : value <= threshold;
  const op = gate === 'min' ? '<' : '>';
  return {
    gate,
    metric,
    passed,
    value,
    threshold,
    reason: passed ? undefined : `${metric} ${value} ${op} ${threshold}`,
  };
}

function regression(metric: string, rule: RegressionBound, value: number | null | undefined, champion?: GateEvidence) {
  const threshold = rule.maxRegression;
  const championValue = champion?.metrics[metric];
  if (!known(value)) {
    return { gate: 'champion', metric, passed: false, value: null, threshold, reason: `${metric} is missing or NaN` };
  }
  if (!known(championValue)) {
    const reason = `champion's ${metric} is missing or NaN: no comparison possible`;
    return { gate: 'champion', metric, passed: false, value, threshold, reason };
  }
  const worse = LOWER_IS_BETTER.includes(metric) ? value - championValue : championValue - value;
  const amount = rule.relative ? worse / Math.abs(championValue) : worse;
  const passed = known(amount) ? amount <= threshold : worse <= 0;
  const unit = rule.relative ? ' (relative)' : '';
  const reason = passed
    ? undefined
    : `${metric} regresses by ${amount}${unit} against the champion's ${championValue}, more than ${threshold}`;
  return { gate: 'champion', metric, passed, value, threshold, reason } satisfies GateCheck;
}

/** Decides pass/fail; champion rules are skipped when there is no champion yet (a first model). */
export function decideGates(input: {
  policy: GatePolicy;
  candidate: GateEvidence;
  champion?: GateEvidence;
}): GateDecision {
  const { policy, candidate, champion } = input;
  const checks: GateCheck[] = [];
  for (const [metric, b] of Object.entries(policy.metrics ?? {})) {
    if (b.min !== undefined) checks.push(bound('min', metric, candidate.metrics[metric], b.min));
    if (b.max !== undefined) checks.push(bound('max', metric, candidate.metrics[metric], b.max));
  }
  if (champion) {
    for (const [metric, rule] of Object.entries(policy.champion ?? {})) {
      checks.push(regression(metric, rule, candidate.metrics[metric], champion) as GateCheck);
    }
  }
  if (policy.maxLatencyMsP99 !== undefined) {
    const check = bound('max', 'latencyMs.p99', candidate.latencyMsP99, policy.maxLatencyMsP99);
    checks.push({ ...check, gate: 'latency' });
  }
  if (policy.minRobustness !== undefined) {
    const check = bound('min', 'robustness', candidate.robustness, policy.minRobustness);
    checks.push({ ...check, gate: 'robustness' });
  }
  const reasons = checks.filter((c) => !c.passed).map((c) => c.reason as string);
  return { passed: reasons.length === 0, checks, reasons };
}

/** Problems with a gate policy's shape (empty when it is valid). */
export function gatePolicyProblems(policy: unknown): string[] {
  const problems: string[] = [];
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return ['gate policy must be an object'];
  const p = policy as Record<string, unknown>;
  const allowed = ['metrics', 'champion', 'maxLatencyMsP99', 'minRobustness'];
  for (const key of Object.keys(p)) if (!allowed.includes(key)) problems.push(`unknown key ${key}`);
  const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  for (const [metric, b] of Object.entries((p.metrics ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [k, v] of Object.entries(b ?? {})) {
      if ((k !== 'min' && k !== 'max') || !isNum(v))
        problems.push(`metrics.${metric}.${k} must be min or max, a number`);
    }
  }
  for (const [metric, r] of Object.entries((p.champion ?? {}) as Record<string, Record<string, unknown>>)) {
    if (!isNum(r?.maxRegression) || (r.maxRegression as number) < 0) {
      problems.push(`champion.${metric}.maxRegression must be a number >= 0`);
    }
  }
  for (const key of ['maxLatencyMsP99', 'minRobustness']) {
    if (p[key] !== undefined && !isNum(p[key])) problems.push(`${key} must be a number`);
  }
  return problems;
}
