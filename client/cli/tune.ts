/** `mlops tune`: successive-halving search on the running stack. */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { searchSpaceProblems } from '../../workflows/policy/search-space';
import type { SearchSpace } from '../../workflows/policy/search-space';
import { TaskQueue, tuningWorkflowId } from '../../workflows/contracts';
import type { tuningWorkflow } from '../../workflows';
import { createClient } from '../connection';
import { CliError } from './errors';
import { printJson, printTable, progress } from './output';

function positive(name: string, raw: string, min = 1): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new CliError(`${name} must be an integer >= ${min}, got '${raw}'`);
  return value;
}

/** Registers `tune`. */
export function registerTuneCommand(program: Command): void {
  program
    .command('tune')
    .description('tune hyperparameters with successive halving (trials on the GPU queue)')
    .requiredOption('--trainer <spec>', 'builtin:mlp, builtin:logreg or cmd:"<command line>"')
    .requiredOption('--train <dataset>', 'training data')
    .requiredOption('--valid <dataset>', 'validation data')
    .requiredOption('--label <column>', 'label column')
    .requiredOption('--space <file>', 'search space JSON (choice, uniform, loguniform, int ranges)')
    .option('--model <name>', 'model name', 'model')
    .option('--trials <n>', 'trials at the first rung', '9')
    .option('--eta <n>', 'keep the best 1/eta per rung', '3')
    .option('--min-epochs <n>', 'epochs of the first rung', '1')
    .option('--max-epochs <n>', 'epochs of the last rung', '9')
    .option('--concurrency <n>', 'trials training at once', '2')
    .option('--budget <device-seconds>', 'stop starting trials after this much device time')
    .option('--wait', 'wait for the result')
    .option('--json', 'print one JSON object')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      let space: SearchSpace;
      try {
        space = JSON.parse(await readFile(String(opts.space), 'utf8')) as SearchSpace;
      } catch (err) {
        throw new CliError(`cannot read search space ${opts.space}: ${(err as Error).message}`);
      }
      const problems = searchSpaceProblems(space);
      if (problems.length > 0) throw new CliError(`bad search space: ${problems.join('; ')}`);
      const client = await createClient(loadConfig());
      try {
        const handle = await client.workflow.start<typeof tuningWorkflow>('tuningWorkflow', {
          taskQueue: TaskQueue.control,
          workflowId: tuningWorkflowId(String(opts.model), randomUUID()),
          args: [
            {
              model: String(opts.model),
              trainer: String(opts.trainer),
              train: resolve(String(opts.train)),
              valid: resolve(String(opts.valid)),
              label: String(opts.label),
              space,
              trials: positive('--trials', String(opts.trials)),
              eta: positive('--eta', String(opts.eta), 2),
              minEpochs: positive('--min-epochs', String(opts.minEpochs)),
              maxEpochs: positive('--max-epochs', String(opts.maxEpochs)),
              concurrency: positive('--concurrency', String(opts.concurrency)),
              budgetDeviceSeconds: opts.budget === undefined ? undefined : Number(opts.budget),
            },
          ],
        });
        if (!opts.wait) {
          if (opts.json) printJson({ workflowId: handle.workflowId });
          else printTable([['workflowId', handle.workflowId]]);
          return;
        }
        if (!opts.json) progress(`tuning ${handle.workflowId} …`);
        const result = await handle.result();
        if (opts.json) printJson({ workflowId: handle.workflowId, ...result });
        else {
          printTable([
            ['workflowId', handle.workflowId],
            ['best', JSON.stringify(result.best.params)],
            ['score', String(result.best.score)],
            ['model', result.best.modelPath ?? '-'],
          ]);
          for (const t of result.leaderboard) {
            process.stdout.write(`  #${t.trial} rung ${t.rung} score ${t.score ?? '-'} ${JSON.stringify(t.params)}\n`);
          }
        }
      } finally {
        await client.connection.close();
      }
    });
}
