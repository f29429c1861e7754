/**
 * Names and types of the whole lifecycle: the pipeline spec, `mlLifecycleWorkflow`,
 * `driftMonitorWorkflow` and retraining triggers. Re-exported by contracts.ts; imports no Node module.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CanaryPolicy } from './policy/canary';
import type { GatePolicy } from './policy/gates';
import type { SearchSpace } from './policy/search-space';

/** Drift thresholds of the monitoring policy (the data plane's drift policy keys; defaults apply when absent). */
export interface DriftThresholds {
  psi?: number;
  jsDistance?: number;
  ksPValue?: number;
  ksStatistic?: number;
  chiSquarePValue?: number;
  /** Feature columns to watch; all the profile's columns that the prediction log has when absent. */
  columns?: string[];
}

/** A pipeline spec: everything the lifecycle of one model needs, as references (paths, URIs), never data. */
export interface PipelineSpec {
  /** Model name (registry name, `MlModel`, workflow ids). */
  model: string;
  datasets: { train: string; valid: string; holdout?: string };
  label: string;
  /** Data contract (JSON file) the training data must pass. */
  contract?: string;
  trainer: {
    command: string;
    params?: Record<string, unknown>;
    seed?: number;
    /** How soon a vanished training worker is noticed and the training resumes elsewhere (default 30 s). */
    heartbeatTimeoutSeconds?: number;
  };
  /** A hyperparameter search instead of one training (successive halving). */
  search?: {
    space: SearchSpace;
    trials: number;
    eta?: number;
    minEpochs?: number;
    maxEpochs?: number;
    concurrency?: number;
    budgetDeviceSeconds?: number;
  };
  gates?: GatePolicy;
  rollout?: Partial<CanaryPolicy> & { gateways?: string[] };
  monitoring?: {
    /** Seconds between drift checks (default 300). */
    windowSeconds?: number;
    drift?: DriftThresholds;
    /** Retrain when accuracy from delayed labels falls below this. */
    accuracyFloor?: number;
    /** Prediction-log rows a window needs before it is judged (default 200). */
    minRows?: number;
  };
  retraining?: {
    /** Seconds after a retraining starts during which new triggers are ignored (default 3600). */
    cooldownSeconds?: number;
    /** Retrainings per UTC day at most (default 4). */
    maxPerDay?: number;
    /** Cron expression for scheduled retraining (`mlops schedule create` uses it when --cron is absent). */
    schedule?: string;
  };
}

/** Why a retraining was asked for. */
export interface RetrainRequest {
  reason: 'drift' | 'accuracy' | 'schedule' | 'manual';
  /** One line for the record (e.g. the drifted columns). */
  detail?: string;
  /** Where the full drift report is, when there is one. */
  reportPath?: string;
  /** The drift check behind a drift or accuracy trigger. */
  check?: DriftSummary;
}

/** Signal: ask the lifecycle to retrain (coalesced; cooldown and daily cap apply). */
export const retrainSignal = defineSignal<[RetrainRequest]>('retrain');

/** Headline KPIs the lifecycle keeps. */
export interface LifecycleKpis {
  attempts: number;
  promotions: number;
  rejections: number;
  rollbacks: number;
  retrainings: number;
  /** Seconds per stage of the last attempt: ingest, preprocess, train, evaluate, serve. */
  lastTimings?: Record<string, number>;
  deviceSeconds: number;
  costEstimate: number;
}

/** The last drift check the monitor reported. */
export interface DriftSummary {
  at: string;
  version: number;
  rows: number;
  drifted: string[];
  accuracy?: number;
  reportPath?: string;
}

/** What the lifecycle carries across continue-as-new. */
export interface LifecycleState {
  stage: 'experimentation' | 'development' | 'operations' | 'monitoring';
  /** What the current attempt is doing, e.g. "training", "canary rollout". */
  step: string;
  /** Id of the child workflow doing the current step (training, search, rollout), to follow its progress. */
  currentWorkflow?: string;
  attempt: number;
  champion?: number;
  lastOutcome?: { attempt: number; outcome: string; reason?: string; version?: number };
  lastDrift?: DriftSummary;
  /** ISO times of retraining starts (today's count and the cooldown come from these). */
  retrainStarts: string[];
  pendingRetrain?: RetrainRequest;
  ignoredTriggers: number;
  kpis: LifecycleKpis;
  monitorStarted: boolean;
}

/** Input of `mlLifecycleWorkflow`. */
export interface LifecycleInput {
  spec: PipelineSpec;
  /** Set on continue-as-new. */
  state?: LifecycleState;
  /** Task-queue overrides (tests, deployments with other names). */
  queues?: { control?: string; data?: string; gpu?: string };
  /** Stop after the first attempt instead of monitoring forever (tests, one-shot runs). */
  once?: boolean;
  /** History events one run may hold before continuing as new (default 5000; lower it to exercise it). */
  maxHistoryEvents?: number;
}

/** What the `status` query returns. */
export type LifecycleStatus = LifecycleState & { model: string };

/** Query: the lifecycle's status. */
export const lifecycleStatusQuery = defineQuery<LifecycleStatus>('status');

/** Input of `driftMonitorWorkflow`. */
export interface DriftMonitorInput {
  model: string;
  /** Workflow id of the lifecycle to signal. */
  lifecycleWorkflowId: string;
  windowSeconds: number;
  drift?: DriftThresholds;
  accuracyFloor?: number;
  minRows?: number;
  /** Checks done so far (carried across continue-as-new). */
  checks?: number;
  queues?: { data?: string };
}

/** Input of the `checkModelDrift` activity. */
export interface CheckModelDriftInput {
  model: string;
  /** Epoch ms: the window's start. */
  since: number;
  drift?: DriftThresholds;
  minRows?: number;
  /** Where to write the full report (relative paths resolve under MLOPS_HOME). */
  reportOut?: string;
}

/** Result of `checkModelDrift`. */
export interface CheckModelDriftResult {
  /** The champion version whose traffic was checked (none: no champion yet). */
  version?: number;
  rows: number;
  /** False when there were too few rows (or no profile) to judge. */
  judged: boolean;
  drifted: string[];
  /** Accuracy on rows with delayed labels, when any arrived. */
  accuracy?: number;
  labelled: number;
  reportPath?: string;
  reason?: string;
}

/** Workflow id of a model's drift monitor. */
export function driftMonitorWorkflowId(model: string): string {
  return `monitor:${model}`;
}

/** Workflow id of a scheduled retraining trigger's schedule. */
export function retrainingScheduleId(model: string): string {
  return `retrain:${model}`;
}
