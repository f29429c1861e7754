/**
 * The keys each part of a pipeline spec may hold. Each list is built from a `Record<keyof …, true>`, so the
 * compiler refuses a list that misses or adds a key of the `PipelineSpec` contract; a unit test holds the
 * published JSON Schema to the same lists.
 */
import type { DriftThresholds, PipelineSpec } from '../../workflows/lifecycle-contracts';

type Part<K extends keyof PipelineSpec> = NonNullable<PipelineSpec[K]>;

const keysOf = <T>(keys: Record<keyof T, true>): readonly (keyof T & string)[] =>
  Object.keys(keys) as (keyof T & string)[];

/** Top-level keys of a spec (besides `$schema`, which a spec may carry to point editors at the schema). */
export const SPEC_KEYS = keysOf<PipelineSpec>({
  model: true,
  datasets: true,
  label: true,
  contract: true,
  trainer: true,
  search: true,
  gates: true,
  rollout: true,
  monitoring: true,
  retraining: true,
});

/** Keys of each object-valued part of a spec, by its path. */
export const PART_KEYS = {
  datasets: keysOf<Part<'datasets'>>({ train: true, valid: true, holdout: true }),
  trainer: keysOf<Part<'trainer'>>({ command: true, params: true, seed: true, heartbeatTimeoutSeconds: true }),
  search: keysOf<Part<'search'>>({
    space: true,
    trials: true,
    eta: true,
    minEpochs: true,
    maxEpochs: true,
    concurrency: true,
    budgetDeviceSeconds: true,
  }),
  gates: keysOf<Part<'gates'>>({ metrics: true, champion: true, maxLatencyMsP99: true, minRobustness: true }),
  rollout: keysOf<Part<'rollout'>>({
    steps: true,
    bakeSeconds: true,
    minRequests: true,
    maxWaitSeconds: true,
    alpha: true,
    maxLatencyRatio: true,
    minLatencyDeltaMs: true,
    maxPredictionPsi: true,
    requireApproval: true,
    gateways: true,
  }),
  monitoring: keysOf<Part<'monitoring'>>({ windowSeconds: true, drift: true, accuracyFloor: true, minRows: true }),
  'monitoring.drift': keysOf<DriftThresholds>({
    psi: true,
    jsDistance: true,
    ksPValue: true,
    ksStatistic: true,
    chiSquarePValue: true,
    columns: true,
  }),
  retraining: keysOf<Part<'retraining'>>({ cooldownSeconds: true, maxPerDay: true, schedule: true }),
} as const;
