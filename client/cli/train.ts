/** `mlops train`: start a training on the running stack, optionally wait for its result. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { createClient } from '../connection';
import { startTraining, trainingSummary } from '../training';
import { CliError } from './errors';
import { printJson, printTable, progress } from './output';

function parseParams(raw: string | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`--params must be a JSON object: ${(err as Error).message}`);
  }
}

/** Registers `train`. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model on the GPU queue (resumes from checkpoints after preemptions)')
    .requiredOption('--trainer <spec>', 'builtin:mlp, builtin:logreg or cmd:"<command line>"')
    .requiredOption('--train <dataset>', 'training data (CSV, Arrow IPC or Parquet)')
    .requiredOption('--valid <dataset>', 'validation data')
    .requiredOption('--label <column>', 'label column')
    .option('--model <name>', 'model name (MlModel in the Web UI)', 'model')
    .option('--params <json>', 'trainer parameters as a JSON object')
    .option('--seed <n>', 'random seed', '1')
    .option('--wait', 'wait for the result')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: {
        trainer: string;
        train: string;
        valid: string;
        label: string;
        model: string;
        params?: string;
        seed: string;
        wait?: boolean;
        json?: boolean;
      }) => {
        if (!/^(builtin:(mlp|logreg)|cmd:.+)$/.test(opts.trainer)) {
          throw new CliError(
            `unknown trainer '${opts.trainer}': use builtin:mlp, builtin:logreg or cmd:"<command line>"`,
          );
        }
        const seed = Number(opts.seed);
        if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got '${opts.seed}'`);
        const client = await createClient(loadConfig());
        try {
          const handle = await startTraining(client, {
            model: opts.model,
            trainer: opts.trainer,
            train: resolve(opts.train),
            valid: resolve(opts.valid),
            label: opts.label,
            params: parseParams(opts.params),
            seed,
          });
          if (!opts.wait) {
            if (opts.json) printJson({ workflowId: handle.workflowId });
            else printTable([['workflowId', handle.workflowId]]);
            return;
          }
          if (!opts.json) progress(`training ${handle.workflowId} …`);
          const summary = trainingSummary(handle.workflowId, await handle.result());
          if (opts.json) printJson(summary);
          else {
            printTable([
              ['workflowId', summary.workflowId],
              ['model', summary.modelPath],
              ['metrics', JSON.stringify(summary.metrics)],
              ['steps', summary.steps],
              ['gpuSeconds', summary.gpuSeconds.toFixed(1)],
              ['costEstimate', summary.costEstimate],
              ['preemptions', summary.preemptions],
              ['lostSteps', summary.lostSteps],
            ]);
          }
        } finally {
          await client.connection.close();
        }
      },
    );
}
