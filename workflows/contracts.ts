/**
 * Names and types shared by workflows, activities, workers and clients.
 * This module imports no Node module so the workflow sandbox can load it.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SearchSpace } from './policy/search-space';

/** Task queues: one per kind of work, each served by its own worker process. */
export const TaskQueue = {
  /** Workflows and light activities (registry, rollout steps). */
  control: 'control',
  /** CPU-heavy data work: validation, profiling, drift, evaluation. */
  data: 'data',
  /** Training; one activity slot per GPU. */
  gpu: 'gpu',
} as const;
/** A task queue name known to the project. */
export type TaskQueueName = (typeof TaskQueue)[keyof typeof TaskQueue];

/** The three stages of the lifecycle, shown in the Web UI as the `MlStage` search attribute. */
export const Stage = {
  experimentation: 'experimentation',
  development: 'development',
  operations: 'operations',
} as const;
/** One lifecycle stage. */
export type StageName = (typeof Stage)[keyof typeof Stage];

/** Custom search attribute: the model a workflow works on. */
export const MlModelKey = defineSearchAttributeKey('MlModel', SearchAttributeType.KEYWORD);
/** Custom search attribute: the lifecycle stage a workflow is in. */
export const MlStageKey = defineSearchAttributeKey('MlStage', SearchAttributeType.KEYWORD);
/** Custom search attribute: the model version a workflow works on. */
export const MlModelVersionKey = defineSearchAttributeKey('MlModelVersion', SearchAttributeType.KEYWORD);

/** Every custom search attribute the project registers at start-up, with its type. */
export const customSearchAttributes = [MlModelKey, MlStageKey, MlModelVersionKey] as const;

/** Types of permanent failures; retry policies list them as non-retryable. */
export const ErrorType = {
  DatasetNotFound: 'DatasetNotFound',
  DatasetUnreadable: 'DatasetUnreadable',
  DatasetCorrupt: 'DatasetCorrupt',
  UnsupportedFormat: 'UnsupportedFormat',
  InvalidInput: 'InvalidInput',
  /** A data contract or drift policy that is not valid JSON of the documented shape. */
  InvalidContract: 'InvalidContract',
  /** A dataset that breaks its data contract; the failure's details hold the validation report. */
  ContractViolation: 'ContractViolation',
  /** A training stopped on a preemption notice after checkpointing; the details say where to resume. */
  Preempted: 'Preempted',
  /** A trainer rejected its configuration (exit code 2, or bad params): retrying cannot help. */
  TrainerConfigError: 'TrainerConfigError',
  /** A trainer crashed without a usable result (retryable: the next attempt resumes from a checkpoint). */
  TrainerFailed: 'TrainerFailed',
  /** A file that onnxruntime cannot load as an ONNX model. */
  ModelInvalid: 'ModelInvalid',
  /** A model whose inputs or outputs do not match the data or the task. */
  ModelInputMismatch: 'ModelInputMismatch',
  /** A dataset without the label column an evaluation needs, or with labels the model does not know. */
  LabelNotFound: 'LabelNotFound',
  /** A registry lookup (model, version or alias) that found nothing. */
  NotFound: 'NotFound',
  /** A model, alias or tag name outside the allowed characters. */
  InvalidName: 'InvalidName',
  /** A path or artifact reference that would leave the artifact store. */
  PathOutsideStore: 'PathOutsideStore',
  /** An artifact whose bytes no longer match its sha256. */
  ArtifactCorrupt: 'ArtifactCorrupt',
  /** A registry change that the version's state forbids (e.g. archiving the champion). */
  RegistryConflict: 'RegistryConflict',
} as const;
/** One permanent failure type. */
export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/** Dataset file formats the readers understand. */
export const DatasetFormat = {
  csv: 'csv',
  arrow: 'arrow',
  parquet: 'parquet',
} as const;
/** One dataset format. */
export type DatasetFormatName = (typeof DatasetFormat)[keyof typeof DatasetFormat];

/**
 * Task queue names a workflow dispatches activities to, when a deployment (or a test) does not use the
 * default names. Missing entries fall back to `TaskQueue`.
 */
export type QueueRouting = Partial<Record<TaskQueueName, string>>;

/** Input of `datasetCheckWorkflow`: a dataset reference, never its data. */
export interface DatasetCheckInput {
  /** Local path (absolute, or relative to the worker's working directory) of a CSV or Arrow IPC file. */
  dataset: string;
  /** Optional model name, shown as `MlModel` in the Web UI. */
  model?: string;
  /** Task queue overrides; the data activity runs on `queues.data ?? 'data'`. */
  queues?: QueueRouting;
}

/** Input of the `checkDataset` activity. */
export interface CheckDatasetInput {
  /** Path of the dataset file. */
  dataset: string;
}

/** Result of the `checkDataset` activity: a small summary and the dataset version. */
export interface CheckDatasetResult {
  /** Absolute path that was read. */
  path: string;
  /** Detected format. */
  format: DatasetFormatName;
  /** Number of data rows (a CSV header is not a row). */
  rows: number;
  /** Number of columns. */
  columns: number;
  /** Column names in file order. */
  columnNames: string[];
  /** sha256 of the file's bytes, hex: the dataset version. */
  sha256: string;
  /** Size of the file in bytes. */
  bytes: number;
}

/** Result of `datasetCheckWorkflow`. */
export interface DatasetCheckResult extends CheckDatasetResult {
  /** The stage the workflow recorded in `MlStage`. */
  stage: StageName;
}

/** Input of the `validateDataset` activity. */
export interface ValidateDatasetInput {
  dataset: string;
  /** Path of the data contract (JSON). */
  contract: string;
  /** Where to write the profile computed in the same pass; skipped when absent. */
  profileOut?: string;
}

/** One failed contract check (see lib/data/report.ts). */
export interface ContractFailure {
  column: string | null;
  check: string;
  count: number;
  sampleRows: number[];
  message: string;
}

/** Result of `validateDataset` for a valid dataset (an invalid one fails with ContractViolation). */
export interface ValidateDatasetResult {
  valid: boolean;
  rows: number;
  sha256: string;
  failures: ContractFailure[];
  profilePath?: string;
}

/** Input of the `profileDataset` activity. */
export interface ProfileDatasetInput {
  dataset: string;
  /** Where to write the profile JSON. */
  out: string;
  sampleSize?: number;
  seed?: number;
}

/** Result of `profileDataset`. */
export interface ProfileDatasetResult {
  profilePath: string;
  sha256: string;
  rows: number;
  columns: string[];
}

/** Input of the `computeDrift` activity. */
export interface ComputeDriftInput {
  /** A profile JSON or a reference dataset. */
  reference: string;
  current: string;
  /** Threshold overrides; the documented defaults otherwise. */
  policy?: Partial<Record<'psi' | 'jsDistance' | 'ksPValue' | 'ksStatistic' | 'chiSquarePValue', number>> & {
    columns?: string[];
  };
  /** Where to write the full report JSON. */
  reportOut?: string;
}

/** Result of `computeDrift`: the drifted columns and each column's headline statistics. */
export interface ComputeDriftResult {
  drifted: string[];
  columns: Record<
    string,
    {
      psi: number;
      jsDistance: number;
      ksStatistic?: number;
      ksPValue?: number;
      chiSquarePValue?: number;
      drifted: boolean;
    }
  >;
  referenceSha256: string;
  currentSha256: string;
  reportPath?: string;
}

/** Running totals of a training across its attempts. */
export interface TrainingCounters {
  /** Device-seconds held (wall time × devices); 0 on CPU hosts. */
  deviceSeconds: number;
  wallSeconds: number;
  preemptions: number;
  /** Steps trained but lost (after the last checkpoint) when an attempt died. */
  lostSteps: number;
}

/** Input of the `trainModel` activity. */
export interface TrainModelInput {
  /** Unique id of this training; output and checkpoint folders are keyed by it. */
  runId: string;
  /** `builtin:mlp`, `builtin:logreg` or `cmd:<command line>`. */
  trainer: string;
  train: string;
  valid: string;
  label: string;
  params?: Record<string, unknown>;
  seed?: number;
  /** A checkpoint to resume from (after a preemption). */
  resumeFrom?: string;
  /** The step of `resumeFrom`, so steps lost after it can be counted. */
  resumeStep?: number;
  /** Totals carried over from earlier attempts. */
  carried?: TrainingCounters;
}

/** What `trainModel` heartbeats: enough for the next attempt to resume and keep the books. */
export interface TrainingHeartbeat {
  checkpoint?: string;
  checkpointStep: number;
  step: number;
  counters: TrainingCounters;
}

/** Details of a Preempted failure. */
export interface PreemptedDetails {
  checkpoint: string;
  step: number;
  counters: TrainingCounters;
}

/** Result of `trainModel`. */
export interface TrainModelResult extends TrainingCounters {
  modelPath: string;
  metricsPath: string;
  metrics: Record<string, number>;
  steps: number;
  devices: string[];
  /** Estimated cost in the configured currency for the device-seconds held. */
  costEstimate: number;
  /** Checkpoint of the final state, when the trainer wrote one (a later run can continue from it). */
  checkpoint?: string;
}

/** Input of `trainingWorkflow`. */
export interface TrainingInput {
  model: string;
  trainer: string;
  train: string;
  valid: string;
  label: string;
  params?: Record<string, unknown>;
  seed?: number;
  /** Preemptions tolerated before the training fails (separate from the retry budget for code errors). */
  maxPreemptions?: number;
  /** Heartbeat timeout of the training activity in seconds: how soon a vanished worker is noticed. */
  heartbeatTimeoutSeconds?: number;
  /** A checkpoint to continue from (a promoted tuning trial). */
  resumeFrom?: string;
  queues?: QueueRouting;
}

/** Result of `trainingWorkflow`. */
export type TrainingResult = TrainModelResult;

/** Input of `tuningWorkflow`: successive halving over a search space. */
export interface TuningInput {
  model: string;
  trainer: string;
  train: string;
  valid: string;
  label: string;
  /** Parameter ranges (see workflows/policy/search-space.ts). */
  space: SearchSpace;
  /** Trials started at the first rung. */
  trials: number;
  /** Keep the best 1/eta of each rung (default 3). */
  eta?: number;
  /** Epochs of the first and last rung (defaults 1 and 9). */
  minEpochs?: number;
  maxEpochs?: number;
  /** Trials training at once (default 2): no unbounded fan-out. */
  concurrency?: number;
  /** Stop starting trials once this many device-seconds (slot-seconds on CPU hosts) are spent. */
  budgetDeviceSeconds?: number;
  /** Metric to minimise (default validLoss). */
  metric?: string;
  seed?: number;
  heartbeatTimeoutSeconds?: number;
  queues?: QueueRouting;
}

/** One trial of a tuning run. */
export interface TuningTrial {
  trial: number;
  params: Record<string, unknown>;
  /** The last rung it ran (-1: none). */
  rung: number;
  epochs: number;
  score?: number;
  metrics?: Record<string, number>;
  modelPath?: string;
  checkpoint?: string;
  failed?: string;
}

/** Result of `tuningWorkflow`. */
export interface TuningResult {
  best: TuningTrial;
  /** All trials, best first (deepest rung, then score). */
  leaderboard: TuningTrial[];
  budgets: number[];
  deviceSecondsSpent: number;
}

/** Workflow id of a tuning run. */
export function tuningWorkflowId(model: string, run: string): string {
  return `tuning:${model}:${run}`;
}

/** Workflow id of a training run. */
export function trainingWorkflowId(model: string, run: string): string {
  return `training:${model}:${run}`;
}

/** Workflow id of a dataset check; `run` makes it unique per request. */
export function datasetCheckWorkflowId(run: string): string {
  return `dataset-check:${run}`;
}

/** Workflow id of a model's lifecycle: at most one open per model. */
export function lifecycleWorkflowId(model: string): string {
  return `lifecycle:${model}`;
}
export * from './model-contracts';
export * from './rollout-contracts';
export * from './lifecycle-contracts';
export * from './monitoring-contracts';
