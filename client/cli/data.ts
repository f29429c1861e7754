/** `mlops data …`: dataset commands. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { createClient } from '../connection';
import { runDatasetCheck } from '../dataset';
import type { RunDatasetCheckResult } from '../dataset';
import { registerLocalDataCommands } from './data-local';
import { printJson, printTable } from './output';

/** Prints a dataset check as a table. */
export function printDatasetCheck(result: RunDatasetCheckResult): void {
  printTable([
    ['dataset', result.path],
    ['format', result.format],
    ['rows', result.rows],
    ['columns', result.columns],
    ['sha256', result.sha256],
    ['workflowId', result.workflowId],
  ]);
}

/** Registers the `data` noun and its verbs. */
export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('work with datasets');
  registerLocalDataCommands(data);
  data
    .command('check')
    .description('read a dataset on the running stack: rows, columns and sha256 (its version)')
    .argument('<dataset>', 'path of a CSV, Arrow IPC or Parquet file')
    .option('--model <name>', 'model the dataset belongs to (shown as MlModel in the Web UI)')
    .option('--task-queue <name>', 'task queue of the control worker', 'control')
    .option('--json', 'print one JSON object')
    .action(async (dataset: string, opts: { model?: string; taskQueue: string; json?: boolean }) => {
      const config = loadConfig();
      const client = await createClient(config);
      try {
        const result = await runDatasetCheck({
          client,
          dataset: resolve(dataset),
          model: opts.model,
          taskQueue: opts.taskQueue,
        });
        if (opts.json) printJson(result);
        else printDatasetCheck(result);
      } finally {
        await client.connection.close();
      }
    });
}
