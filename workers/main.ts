/** Runs one or more queue workers in this process until a shutdown signal. */
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logging';
import type { TaskQueueName } from '../workflows/contracts';
import { connectWorker, createQueueWorker, installRuntime, runUntilSignal } from './bootstrap';

/** Starts workers for `queues` against TEMPORAL_ADDRESS; resolves when they have shut down. */
export async function runQueueWorkers(queues: TaskQueueName[], taskQueueOverride?: string): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'mlops-worker');
  installRuntime(logger);
  const connection = await connectWorker(config);
  try {
    const workers = [];
    for (const queue of queues) {
      workers.push(await createQueueWorker({ queue, connection, config, logger, taskQueue: taskQueueOverride }));
    }
    await runUntilSignal(workers, logger, {
      onRunning: () => {
        for (const queue of queues) {
          logger.info(
            { queue, taskQueue: taskQueueOverride ?? queue, address: config.temporalAddress },
            'worker ready',
          );
        }
      },
    });
  } finally {
    await connection.close();
  }
}

/** Process entry for one queue: exits 0 after a clean shutdown, 1 with a one-line error otherwise. */
export async function runQueueWorkerMain(queue: TaskQueueName): Promise<void> {
  try {
    await runQueueWorkers([queue]);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`mlops worker (${queue}): ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
