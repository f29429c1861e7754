/** Shared worker bootstrap: runtime and logging, connection from env, one Worker per task queue. */
import { cpus } from 'node:os';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { BundleOptions, LogLevel, WorkerOptions } from '@temporalio/worker';
import { controlActivities, dataActivities, gpuActivities } from '../activities';
import type { MlopsConfig } from '../lib/config';
import type { Logger } from '../lib/logging';
import { createDataConverter } from '../lib/security/data-converter';
import { tlsOptions } from '../lib/temporal/connection';
import { detectGpus } from '../lib/training/gpus';
import { notifyPreemption } from '../lib/training/preemption';
import { TaskQueue } from '../workflows/contracts';
import type { TaskQueueName } from '../workflows/contracts';

/** Path of the workflows module the control worker bundles. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

let runtimeInstalled = false;

/**
 * Installs the SDK runtime once per process with the SDK's logger routed to pino. Shutdown signals are
 * handled by the caller (`runUntilSignal`), so the stack can stop workers before the server.
 */
export function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLogger = new DefaultLogger(toSdkLevel(logger.level), (entry) => {
    // A queue that registers only activities (or only workflows) is the design here, not a warning.
    const expected = /^No (activities|workflows) registered/.test(entry.message);
    const level = expected ? 'debug' : entry.level === 'TRACE' ? 'trace' : entry.level.toLowerCase();
    const method = level as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    logger[method]({ ...entry.meta, sdk: true }, entry.message);
  });
  Runtime.install({ logger: sdkLogger, shutdownSignals: [] });
}

function toSdkLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'warn':
      return 'WARN';
    case 'error':
    case 'fatal':
    case 'silent':
      return 'ERROR';
    default:
      return 'INFO';
  }
}

/** Opens the worker-side connection to Temporal from config. */
export function connectWorker(config: MlopsConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporalAddress, tls: tlsOptions(config), apiKey: config.apiKey });
}

/** Options of `createQueueWorker`. */
export interface QueueWorkerOptions {
  queue: TaskQueueName;
  connection: NativeConnection;
  config: MlopsConfig;
  logger: Logger;
  /** Task queue name override (tests use unique queues); defaults to the queue's constant. */
  taskQueue?: string;
  /** A pre-built workflow bundle for the control queue (saves the bundling time). */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/**
 * What `bundleWorkflowCode` needs to build the control queue's workflow bundle for `config`: with encryption on,
 * the bundle carries the failure converter that encodes failure messages (a bundle built without it would leave
 * them in plaintext).
 */
export function workflowBundleOptions(config: Pick<MlopsConfig, 'encryptionKeyFile'>): BundleOptions {
  const failureConverterPath = createDataConverter(config)?.failureConverterPath;
  return { workflowsPath: WORKFLOWS_PATH, ...(failureConverterPath ? { failureConverterPath } : {}) };
}

/**
 * The worker options of one queue: what it registers and how many tasks it runs at once. With
 * MLOPS_ENCRYPTION_KEY_FILE set, every payload (inputs, results, heartbeat details, failures) is encrypted.
 */
export function queueWorkerOptions(options: QueueWorkerOptions): WorkerOptions {
  const dataConverter = createDataConverter(options.config);
  const base: Pick<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'shutdownGraceTime' | 'dataConverter'> = {
    connection: options.connection,
    namespace: options.config.namespace,
    taskQueue: options.taskQueue ?? options.queue,
    shutdownGraceTime: '10 seconds',
    ...(dataConverter ? { dataConverter } : {}),
  };
  switch (options.queue) {
    case TaskQueue.control:
      return {
        ...base,
        ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
        activities: controlActivities,
      };
    case TaskQueue.data:
      // Data scans are CPU-bound: one slot per core keeps the host busy without oversubscribing it.
      return { ...base, activities: dataActivities, maxConcurrentActivityTaskExecutions: cpus().length };
    case TaskQueue.gpu: {
      // One training at a time per GPU; a CPU-only host gets the slots it was given (default 1).
      const gpus = detectGpus();
      if (gpus.source === 'cpu') options.logger.warn('no GPU found: training on this worker runs on the CPU');
      else options.logger.info({ gpus: gpus.devices, slots: gpus.slots, source: gpus.source }, 'GPU slots');
      // Heartbeats carry the latest checkpoint: send them within a second instead of the SDK's default
      // throttle (80% of the heartbeat timeout), so the server's view of the run stays current.
      return {
        ...base,
        activities: gpuActivities,
        maxConcurrentActivityTaskExecutions: gpus.slots,
        maxHeartbeatThrottleInterval: '1 second',
        defaultHeartbeatThrottleInterval: '1 second',
      };
    }
  }
}

/** Creates the Worker of one queue. */
export function createQueueWorker(options: QueueWorkerOptions): Promise<Worker> {
  return Worker.create(queueWorkerOptions(options));
}

/** Hooks of `runUntilSignal`. */
export interface RunHooks {
  /**
   * Called once the signal handlers are installed and the workers run: announce readiness here, so a signal sent
   * on seeing the announcement always gets the clean shutdown rather than the default (killed by the signal).
   */
  onRunning?: () => void;
  /** Called after the workers have shut down. */
  onStopped?: () => Promise<void>;
}

/**
 * Runs `workers` until SIGINT or SIGTERM, then shuts them down gracefully (running activities get the
 * shutdown grace time) and calls `onStopped`. A second signal forces exit.
 */
export async function runUntilSignal(workers: Worker[], logger: Logger, hooks: RunHooks = {}): Promise<void> {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down workers');
    // A SIGTERM is how spot capacity announces its end: running trainings checkpoint now and fail as
    // Preempted, so their workflows resume them elsewhere without waiting for a heartbeat timeout.
    notifyPreemption();
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const running = Promise.all(workers.map((worker) => worker.run()));
    hooks.onRunning?.();
    await running;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await hooks.onStopped?.();
  }
}
