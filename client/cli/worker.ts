/** `mlops worker --queue <q>`: one worker process for a task queue. */
import type { Command } from 'commander';
import { TaskQueue } from '../../workflows/contracts';
import type { TaskQueueName } from '../../workflows/contracts';
import { runQueueWorkers } from '../../workers/main';
import { CliError } from './errors';

const queues = Object.values(TaskQueue) as string[];

/** Registers `worker`. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a worker for one task queue against TEMPORAL_ADDRESS until Ctrl-C or SIGTERM')
    .requiredOption('--queue <queue>', `task queue kind: ${queues.join(', ')}`)
    .option('--task-queue <name>', 'poll this task queue name instead of the kind’s default')
    .action(async (opts: { queue: string; taskQueue?: string }) => {
      if (!queues.includes(opts.queue)) {
        throw new CliError(`unknown queue '${opts.queue}': use one of ${queues.join(', ')}`);
      }
      await runQueueWorkers([opts.queue as TaskQueueName], opts.taskQueue);
    });
}
