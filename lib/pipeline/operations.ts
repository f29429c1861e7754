/**
 * The operations half of a pipeline spec: promotion gates, the canary rollout, drift monitoring and
 * retraining. The shapes are checked here; the ranges that the workflows' own policies already know
 * (gates, canary) come from those policies, so a spec and a workflow never disagree about what is valid.
 */
import { canaryPolicyProblems, DEFAULT_CANARY_POLICY } from '../../workflows/policy/canary';
import type { CanaryPolicy } from '../../workflows/policy/canary';
import { gatePolicyProblems } from '../../workflows/policy/gates';
import type { GatePolicy } from '../../workflows/policy/gates';
import type { PipelineSpec } from '../../workflows/lifecycle-contracts';
import {
  at,
  cloneJson,
  compact,
  fits,
  flag,
  isRecord,
  numberIn,
  onlyKnownKeys,
  record,
  text,
  textList,
} from './checks';
import type { NumberRule, Problems } from './checks';
import { cronProblems } from './cron';
import { PART_KEYS } from './keys';

type Rollout = NonNullable<PipelineSpec['rollout']>;
type Monitoring = NonNullable<PipelineSpec['monitoring']>;
type Retraining = NonNullable<PipelineSpec['retraining']>;

const mapsToObjects = (value: unknown): boolean =>
  value === undefined || (isRecord(value) && Object.values(value).every(isRecord));

/** Checks `gates` with the gate comparator's own policy check, plus the ranges and keys it leaves open. */
export function parseGates(problems: Problems, value: unknown): GatePolicy | undefined {
  const gates = record(problems, 'gates', value);
  if (!gates) return undefined;
  const before = problems.list.length;
  const metricsOk = mapsToObjects(gates.metrics);
  const championOk = mapsToObjects(gates.champion);
  if (!metricsOk) problems.add('gates.metrics', 'must map metric names to bounds such as {min: 0.8}');
  if (!championOk) problems.add('gates.champion', 'must map metric names to rules such as {maxRegression: 0.01}');
  // The comparator's check walks metrics and champion without checking their shape: give it only sound ones.
  const sound = { metrics: metricsOk ? gates.metrics : undefined, champion: championOk ? gates.champion : undefined };
  for (const problem of gatePolicyProblems({ ...gates, ...sound })) {
    const unknown = /^unknown key (.*)$/.exec(problem);
    if (unknown) onlyKnownKeys(problems, 'gates', { [unknown[1]]: true }, PART_KEYS.gates);
    else problems.addUnder('gates', [problem]);
  }
  if (metricsOk) {
    for (const [metric, b] of Object.entries((gates.metrics ?? {}) as Record<string, Record<string, unknown>>)) {
      if (fits(b.min, {}) && fits(b.max, {}) && b.min > b.max)
        problems.add(at('gates.metrics', metric), 'has min > max');
    }
  }
  if (championOk) {
    for (const [metric, rule] of Object.entries((gates.champion ?? {}) as Record<string, Record<string, unknown>>)) {
      const path = at('gates.champion', metric);
      onlyKnownKeys(problems, path, rule, ['maxRegression', 'relative']);
      flag(problems, at(path, 'relative'), rule.relative);
    }
  }
  if (fits(gates.maxLatencyMsP99, {}))
    numberIn(problems, 'gates.maxLatencyMsP99', gates.maxLatencyMsP99, { min: 0, minExclusive: true });
  if (fits(gates.minRobustness, {})) numberIn(problems, 'gates.minRobustness', gates.minRobustness, { min: 0, max: 1 });
  // Cloned only once valid: an invalid policy may hold values (functions, cycles) that cannot be cloned.
  return problems.list.length === before ? (cloneJson(gates) as GatePolicy) : undefined;
}

/** Number fields of a rollout; their ranges come from the canary policy check, except for two it leaves open. */
const ROLLOUT_NUMBERS: Record<Exclude<keyof CanaryPolicy, 'steps' | 'requireApproval'>, NumberRule> = {
  bakeSeconds: {},
  minRequests: { integer: true },
  maxWaitSeconds: {},
  alpha: {},
  maxLatencyRatio: {},
  minLatencyDeltaMs: {},
  maxPredictionPsi: {},
};

function gatewayProblems(problems: Problems, value: unknown): string[] | undefined {
  const gateways = textList(problems, 'rollout.gateways', value, 'gateway base URLs');
  gateways?.forEach((gateway, i) => {
    let protocol = '';
    try {
      protocol = new URL(gateway).protocol;
    } catch {
      // Not a URL at all: reported below like any other scheme.
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      problems.add(at('rollout.gateways', i), 'must be an http(s) URL such as http://127.0.0.1:8080');
    }
  });
  return gateways && [...gateways];
}

/**
 * Checks `rollout` field by field, then as a whole with the canary judge's own policy check over the
 * defaults it would run with (`{...DEFAULT_CANARY_POLICY, ...rollout}`).
 */
export function parseRollout(problems: Problems, value: unknown): Rollout | undefined {
  const rollout = record(problems, 'rollout', value);
  if (!rollout) return undefined;
  onlyKnownKeys(problems, 'rollout', rollout, PART_KEYS.rollout);
  const before = problems.list.length;
  const out: Rollout = {};
  if (rollout.steps !== undefined) {
    if (Array.isArray(rollout.steps) && rollout.steps.every((s) => fits(s, {}))) out.steps = [...rollout.steps];
    else problems.add('rollout.steps', 'must be a list of percentages such as [5, 25, 50, 100]');
  }
  for (const [key, rule] of Object.entries(ROLLOUT_NUMBERS)) {
    const n = numberIn(problems, at('rollout', key), rollout[key], rule);
    if (n !== undefined) out[key as keyof typeof ROLLOUT_NUMBERS] = n;
  }
  out.requireApproval = flag(problems, 'rollout.requireApproval', rollout.requireApproval);
  if (problems.list.length === before) {
    problems.addUnder('rollout', canaryPolicyProblems({ ...DEFAULT_CANARY_POLICY, ...compact(out) }));
    numberIn(problems, 'rollout.minLatencyDeltaMs', out.minLatencyDeltaMs, { min: 0 });
    numberIn(problems, 'rollout.maxPredictionPsi', out.maxPredictionPsi, { min: 0, minExclusive: true });
  }
  out.gateways = gatewayProblems(problems, rollout.gateways);
  return compact(out);
}

/** In (0, 1]: the range of distances, effect sizes and p-value thresholds. */
const UNIT: NumberRule = { min: 0, minExclusive: true, max: 1 };

/** Checks `monitoring`: a positive window, drift thresholds in range, an accuracy floor in [0, 1]. */
export function parseMonitoring(problems: Problems, value: unknown): Monitoring | undefined {
  const monitoring = record(problems, 'monitoring', value);
  if (!monitoring) return undefined;
  onlyKnownKeys(problems, 'monitoring', monitoring, PART_KEYS.monitoring);
  const out: Monitoring = {
    windowSeconds: numberIn(problems, 'monitoring.windowSeconds', monitoring.windowSeconds, {
      min: 0,
      minExclusive: true,
    }),
    accuracyFloor: numberIn(problems, 'monitoring.accuracyFloor', monitoring.accuracyFloor, { min: 0, max: 1 }),
    minRows: numberIn(problems, 'monitoring.minRows', monitoring.minRows, { integer: true, min: 1 }),
  };
  const drift = record(problems, 'monitoring.drift', monitoring.drift);
  if (drift) {
    onlyKnownKeys(problems, 'monitoring.drift', drift, PART_KEYS['monitoring.drift']);
    out.drift = compact({
      // PSI has no upper bound (0.1 moderate, 0.2 significant, above 1 a different population).
      psi: numberIn(problems, 'monitoring.drift.psi', drift.psi, { min: 0, minExclusive: true }),
      jsDistance: numberIn(problems, 'monitoring.drift.jsDistance', drift.jsDistance, UNIT),
      ksPValue: numberIn(problems, 'monitoring.drift.ksPValue', drift.ksPValue, UNIT),
      ksStatistic: numberIn(problems, 'monitoring.drift.ksStatistic', drift.ksStatistic, UNIT),
      chiSquarePValue: numberIn(problems, 'monitoring.drift.chiSquarePValue', drift.chiSquarePValue, UNIT),
      columns: textList(problems, 'monitoring.drift.columns', drift.columns, 'column names')?.slice(),
    });
  }
  return compact(out);
}

/** Checks `retraining`: a cooldown >= 0, a daily cap >= 1 and the shape of the cron schedule. */
export function parseRetraining(problems: Problems, value: unknown): Retraining | undefined {
  const retraining = record(problems, 'retraining', value);
  if (!retraining) return undefined;
  onlyKnownKeys(problems, 'retraining', retraining, PART_KEYS.retraining);
  const schedule = text(problems, 'retraining.schedule', retraining.schedule);
  for (const problem of schedule === undefined ? [] : cronProblems(schedule)) {
    problems.add('retraining.schedule', problem);
  }
  return compact({
    cooldownSeconds: numberIn(problems, 'retraining.cooldownSeconds', retraining.cooldownSeconds, { min: 0 }),
    maxPerDay: numberIn(problems, 'retraining.maxPerDay', retraining.maxPerDay, { integer: true, min: 1 }),
    schedule: schedule?.trim(),
  });
}
