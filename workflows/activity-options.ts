/** Named activity-option presets; each says why its timeouts and retries are what they are. */
import type { ActivityOptions } from '@temporalio/workflow';
import { ErrorType, TaskQueue } from './contracts';

/** Permanent faults of data activities: retrying cannot fix a missing or corrupt file. */
const dataNonRetryable = [
  ErrorType.DatasetNotFound,
  ErrorType.DatasetUnreadable,
  ErrorType.DatasetCorrupt,
  ErrorType.UnsupportedFormat,
  ErrorType.InvalidInput,
  ErrorType.InvalidContract,
  ErrorType.ContractViolation,
];

/**
 * Data-plane scans on the `data` queue. A scan streams the file and heartbeats every chunk, so a 30 s
 * heartbeat timeout finds a dead worker quickly while a large file may take up to an hour in total.
 * Transient faults (a worker crash, a full disk that clears) are retried with backoff, at most 5 times.
 */
export const dataScan: ActivityOptions = {
  taskQueue: TaskQueue.data,
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: dataNonRetryable,
  },
};

/**
 * Training on the `gpu` queue. Heartbeats carry the checkpoint, so the heartbeat timeout (30 s unless the
 * input says otherwise) bounds how long a vanished worker goes unnoticed; the start-to-close limit only
 * stops runaway jobs. Code errors and dead workers are retried up to 5 times; preemptions are resumed by
 * the workflow on a budget of their own, hence non-retryable here.
 */
export function trainingOptions(heartbeatTimeoutSeconds = 30): ActivityOptions {
  return {
    taskQueue: TaskQueue.gpu,
    startToCloseTimeout: '24 hours',
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 5,
      nonRetryableErrorTypes: [...dataNonRetryable, ErrorType.Preempted, ErrorType.TrainerConfigError],
    },
  };
}

/**
 * Light registry and routing activities on the `control` queue: each is a few milliseconds of SQLite
 * work, so 30 s bounds a stuck call; busy-database and network blips are retried with backoff, but
 * unknown models and forbidden changes are permanent.
 */
export const controlLight: ActivityOptions = {
  taskQueue: TaskQueue.control,
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [
      ErrorType.InvalidInput,
      ErrorType.NotFound,
      ErrorType.InvalidName,
      ErrorType.RegistryConflict,
      ErrorType.ModelInvalid,
      ErrorType.PathOutsideStore,
      ErrorType.ArtifactCorrupt,
    ],
  },
};

/**
 * Reading the gateways' figures and probing them: a replica that is restarting answers within seconds,
 * so a few quick retries; after that the rollout counts the window as having no traffic (it never
 * promotes on missing data) rather than stalling.
 */
export const rolloutStatsOptions: ActivityOptions = {
  taskQueue: TaskQueue.control,
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 4 },
};

/**
 * Model evaluation on the `data` queue: it streams a dataset through onnxruntime and heartbeats every
 * second, so a dead worker shows within 30 s; a large holdout may take up to an hour. Bad models, inputs
 * that do not match and missing labels are permanent.
 */
export const evaluation: ActivityOptions = {
  ...dataScan,
  retry: {
    ...dataScan.retry,
    nonRetryableErrorTypes: [
      ...dataNonRetryable,
      ErrorType.ModelInvalid,
      ErrorType.ModelInputMismatch,
      ErrorType.LabelNotFound,
      ErrorType.NotFound,
      ErrorType.ArtifactCorrupt,
    ],
  },
};
