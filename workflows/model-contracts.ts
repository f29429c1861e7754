/**
 * Names and types of the development stage (evaluation, gates, registry) shared by workflows,
 * activities and clients. Imports no Node module, like contracts.ts which re-exports it.
 */
import type { GateDecision, GatePolicy } from './policy/gates';

/** The two kinds of task an evaluation scores. */
export type EvaluationTaskName = 'classification' | 'regression';

/** Input of the `evaluateModel` activity: references to a model and a dataset, never their bytes. */
export interface EvaluateModelInput {
  /** Path of an ONNX file, or `registry:<model>@<version|alias>`. */
  model: string;
  dataset: string;
  label: string;
  task?: EvaluationTaskName;
  /** Feature order for a model with one matrix input. */
  features?: string[];
  batchSize?: number;
  /** Where to write the full report JSON (confusion matrix, input and output signatures). */
  reportOut?: string;
  /** Gates to apply; the champion's metrics come from `championMetrics`. */
  gates?: GatePolicy;
  championMetrics?: Record<string, number>;
}

/** Result of `evaluateModel`: the headline figures (the full report is in `reportPath`). */
export interface EvaluateModelResult {
  task: EvaluationTaskName;
  rows: number;
  metrics: Record<string, number>;
  classes?: string[];
  latencyMs: { p50: number; p99: number; batchP50: number; batchP99: number; batchRows: number };
  /** Share of predictions unchanged under small seeded input noise. */
  robustness: number;
  modelSha256: string;
  datasetSha256: string;
  reportPath?: string;
  seconds: number;
  /** Present when gates were given. */
  gates?: GateDecision;
}

/** A dataset a model version was made or judged with. */
export interface LineageDataset {
  role: 'train' | 'valid' | 'holdout' | 'eval';
  uri: string;
  sha256: string;
}

/** Input of `registerModelVersion`. */
export interface RegisterModelVersionInput {
  model: string;
  /** Path of the ONNX file to store (copied into the artifact store, content-addressed). */
  modelPath: string;
  /** Same key → same version; defaults to the calling workflow's id and run id. */
  idempotencyKey?: string;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  datasets?: LineageDataset[];
  /** Data contract and profile files, stored as artifacts and referenced by digest. */
  contractPath?: string;
  profilePath?: string;
  evaluationReportPath?: string;
  trainer?: { command: string; params?: Record<string, unknown>; seed?: number };
  codeVersion?: string;
  parentVersion?: number;
  /** Seconds spent per stage: ingest, preprocess, train, evaluate, serve. */
  timings?: Record<string, number>;
  training?: { deviceSeconds: number; wallSeconds: number; costEstimate: number; preemptions: number };
  description?: string;
}

/** Result of `registerModelVersion`. */
export interface RegisterModelVersionResult {
  model: string;
  version: number;
  sha256: string;
  artifactUri: string;
}

/** Input of `setModelAlias`; alias `champion` promotes (the old one becomes `previous-champion`). */
export interface SetModelAliasInput {
  model: string;
  alias: string;
  /** The version to point at; omitted → the alias is removed. */
  version?: number;
  /** Compare-and-set: fail with RegistryConflict unless the alias points here now. */
  expectedVersion?: number;
  reason?: string;
}

/** Result of `setModelAlias`. */
export interface SetModelAliasResult {
  model: string;
  alias: string;
  version?: number;
}

/** Input of `getChampion`. */
export interface GetChampionInput {
  model: string;
}

/** Result of `getChampion`: empty `version` when the model has no champion yet. */
export interface GetChampionResult {
  model: string;
  version?: number;
  metrics?: Record<string, number>;
  sha256?: string;
  artifactUri?: string;
}

/** Input of `archiveModelVersion`. */
export interface ArchiveModelVersionInput {
  model: string;
  version: number;
  reason?: string;
}

/** Result of `archiveModelVersion`. */
export interface ArchiveModelVersionResult {
  model: string;
  version: number;
  status: 'archived';
}
