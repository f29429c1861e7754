/**
 * No-op stand-ins for the activities a first-version lifecycle calls, registered under the real names: each
 * returns the smallest valid result at once, so bench:lifecycle times the orchestration alone.
 */
import type {
  EvaluateModelResult,
  GetChampionInput,
  GetChampionResult,
  ProfileDatasetResult,
  RegisterModelVersionInput,
  RegisterModelVersionResult,
  SetModelAliasInput,
  SetModelAliasResult,
  TrainModelResult,
} from '../workflows/contracts';

const DIGEST = '0'.repeat(64);

/** `profileDataset`: a profile that was never computed. */
export async function profileDataset(): Promise<ProfileDatasetResult> {
  return { profilePath: 'noop/profile.json', sha256: DIGEST, rows: 0, columns: [] };
}

/** `evaluateModel`: no gates given, so no decision; empty metrics. */
export async function evaluateModel(): Promise<EvaluateModelResult> {
  return {
    task: 'classification',
    rows: 0,
    metrics: {},
    latencyMs: { p50: 0, p99: 0, batchP50: 0, batchP99: 0, batchRows: 0 },
    robustness: 1,
    modelSha256: DIGEST,
    datasetSha256: DIGEST,
    seconds: 0,
  };
}

/** `trainModel`: a training of zero steps. */
export async function trainModel(): Promise<TrainModelResult> {
  return {
    modelPath: 'noop/model.onnx',
    metricsPath: 'noop/metrics.json',
    metrics: {},
    steps: 0,
    devices: [],
    costEstimate: 0,
    deviceSeconds: 0,
    wallSeconds: 0,
    preemptions: 0,
    lostSteps: 0,
  };
}

/** `getChampion`: the model has none yet (the lifecycle deploys a first version, no canary). */
export async function getChampion(input: GetChampionInput): Promise<GetChampionResult> {
  return { model: input.model };
}

/** `registerModelVersion`: version 1. */
export async function registerModelVersion(input: RegisterModelVersionInput): Promise<RegisterModelVersionResult> {
  return { model: input.model, version: 1, sha256: DIGEST, artifactUri: 'noop' };
}

/** `setModelAlias`: the alias as asked. */
export async function setModelAlias(input: SetModelAliasInput): Promise<SetModelAliasResult> {
  return { model: input.model, alias: input.alias, version: input.version };
}

/** `setModelRoutes`: the routes as asked, first generation. */
export async function setModelRoutes(): Promise<{ generation: number; changed: boolean }> {
  return { generation: 1, changed: true };
}

/** The stand-ins per task queue, as the real workers register them. */
export const noopActivities = {
  control: { getChampion, registerModelVersion, setModelAlias, setModelRoutes },
  data: { profileDataset, evaluateModel },
  gpu: { trainModel },
};
