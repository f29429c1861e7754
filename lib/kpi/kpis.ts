/**
 * Lifecycle KPIs of *MLOps at Scale*, computed from registry versions (their recorded stage timings and
 * training cost) and the registry's event log:
 * - deployment velocity V_d = N_m / (T_d + T_v): models deployed per hour of development and validation;
 * - cloud efficiency E_c = U_c / C_c: device-hours obtained per unit of cost;
 * - pipeline latency L = T_ingest + T_pre + T_train + T_eval + T_serve per run.
 */
import type { ModelVersion, RegistryEvent } from '../registry/types';

/** Stage names whose seconds a registration records in `lineage.timings`. */
export const PIPELINE_STAGES = ['ingest', 'preprocess', 'train', 'evaluate', 'serve'] as const;
/** Development stages (T_d) and validation stages (T_v) of the velocity formula. */
const DEVELOPMENT: readonly string[] = ['ingest', 'preprocess', 'train'];
const VALIDATION: readonly string[] = ['evaluate', 'serve'];

/** Pipeline latency of one registered run. */
export interface RunLatency {
  model: string;
  version: number;
  /** L in seconds: the sum of the recorded stages. */
  seconds: number;
  stages: Record<string, number>;
  /** Stages with no recorded timing (counted as 0). */
  missing: string[];
}

/** The KPI report. */
export interface KpiReport {
  model?: string;
  window: { from?: string; to: string };
  deploymentVelocity: {
    /** V_d in models per hour; null when nothing was deployed or no time was recorded. */
    value: number | null;
    deployments: number;
    developmentHours: number;
    validationHours: number;
  };
  cloudEfficiency: {
    /** E_c in device-hours per unit of cost; null when no cost was recorded. */
    value: number | null;
    deviceHours: number;
    cost: number;
  };
  pipelineLatency: { runs: RunLatency[]; meanSeconds: number | null; p50Seconds: number | null };
}

const sum = (values: number[]) => values.reduce((a, v) => a + v, 0);

function latencyOf(v: ModelVersion): RunLatency {
  const timings = v.lineage.timings ?? {};
  const stages: Record<string, number> = {};
  const missing: string[] = [];
  for (const stage of PIPELINE_STAGES) {
    const t = timings[stage];
    if (typeof t === 'number' && Number.isFinite(t)) stages[stage] = t;
    else missing.push(stage);
  }
  return { model: v.model, version: v.version, seconds: sum(Object.values(stages)), stages, missing };
}

function stageHours(v: ModelVersion, stages: readonly string[]): number {
  const timings = v.lineage.timings ?? {};
  return sum(stages.map((s) => (Number.isFinite(timings[s]) ? timings[s] : 0))) / 3600;
}

/**
 * Computes the KPIs over versions created, and promotions made, in [since, until]. A deployment is a
 * `promoted` event; its version's development and validation timings make up T_d and T_v.
 */
export function computeKpis(input: {
  versions: ModelVersion[];
  events: RegistryEvent[];
  model?: string;
  since?: string;
  until?: string;
}): KpiReport {
  const to = input.until ?? new Date().toISOString();
  const inWindow = (at: string) => (!input.since || at >= input.since) && at <= to;
  const forModel = (m: string) => !input.model || m === input.model;
  const versions = input.versions.filter((v) => forModel(v.model) && inWindow(v.createdAt));
  const byKey = new Map(input.versions.map((v) => [`${v.model}@${v.version}`, v]));
  const deployed = input.events
    .filter((e) => e.type === 'promoted' && forModel(e.model) && inWindow(e.at) && e.version !== null)
    .map((e) => byKey.get(`${e.model}@${e.version}`))
    .filter((v): v is ModelVersion => v !== undefined);
  const developmentHours = sum(deployed.map((v) => stageHours(v, DEVELOPMENT)));
  const validationHours = sum(deployed.map((v) => stageHours(v, VALIDATION)));
  const hours = developmentHours + validationHours;
  const deviceHours = sum(versions.map((v) => v.lineage.training?.deviceSeconds ?? 0)) / 3600;
  const cost = sum(versions.map((v) => v.lineage.training?.costEstimate ?? 0));
  const runs = versions.map(latencyOf).filter((r) => r.missing.length < PIPELINE_STAGES.length);
  const sorted = runs.map((r) => r.seconds).sort((a, b) => a - b);
  return {
    model: input.model,
    window: { from: input.since, to },
    deploymentVelocity: {
      value: deployed.length > 0 && hours > 0 ? deployed.length / hours : null,
      deployments: deployed.length,
      developmentHours,
      validationHours,
    },
    cloudEfficiency: { value: cost > 0 ? deviceHours / cost : null, deviceHours, cost },
    pipelineLatency: {
      runs,
      meanSeconds: runs.length > 0 ? sum(sorted) / runs.length : null,
      p50Seconds: runs.length > 0 ? sorted[Math.ceil(sorted.length / 2) - 1] : null,
    },
  };
}
