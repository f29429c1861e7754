/** `mlops pipeline run|status|validate` and `mlops schedule create|list|pause|unpause|trigger|delete`. */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { loadPipelineSpec } from '../../lib/pipeline';
import type { LifecycleStatus, TrainingHeartbeat } from '../../workflows/contracts';
import { createClient } from '../connection';
import {
  createRetrainingSchedule,
  getLifecycleStatus,
  listRetrainingSchedules,
  retrainingSchedule,
  SCHEDULE_CATCHUP_WINDOW,
  startLifecycle,
} from '../lifecycle';
import { CliError, ExitCode } from './errors';
import { printJson, printTable, progress } from './output';

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await createClient(loadConfig());
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

function printStatus(status: LifecycleStatus): void {
  printTable([
    ['model', status.model],
    ['stage', status.stage],
    ['step', status.step],
    ['attempt', status.attempt],
    ['champion', status.champion ?? '-'],
    [
      'last outcome',
      status.lastOutcome
        ? `${status.lastOutcome.outcome}${status.lastOutcome.reason ? `: ${status.lastOutcome.reason}` : ''}`
        : '-',
    ],
    [
      'last drift check',
      status.lastDrift ? `${status.lastDrift.at} drifted: ${status.lastDrift.drifted.join(', ') || 'none'}` : '-',
    ],
    ['retrainings', `${status.kpis.retrainings} (triggers ignored: ${status.ignoredTriggers})`],
    [
      'promotions / rejections / rollbacks',
      `${status.kpis.promotions} / ${status.kpis.rejections} / ${status.kpis.rollbacks}`,
    ],
  ]);
}

/** Training progress (epochs/steps) of the child the lifecycle is waiting on, from its heartbeat. */
async function childProgress(client: Client, workflowId: string | undefined): Promise<string> {
  if (!workflowId?.startsWith('training:')) return '';
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    const raw = description.raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0]?.data;
    if (!raw) return '';
    const beat = JSON.parse(Buffer.from(raw).toString('utf8')) as TrainingHeartbeat;
    return ` (step ${beat.step}, checkpoint at ${beat.checkpointStep})`;
  } catch {
    return '';
  }
}

/** Registers `pipeline` and `schedule`. */
export function registerPipelineCommands(program: Command): void {
  const pipeline = program.command('pipeline').description("a model's whole lifecycle from a pipeline spec");
  pipeline
    .command('validate')
    .description('check a pipeline spec (YAML or JSON) and print it normalised')
    .argument('<spec>')
    .action(async (file: string) => printJson(await loadPipelineSpec(file)));

  pipeline
    .command('run')
    .description('start (or join) the lifecycle of the spec’s model: train, evaluate, register, roll out, monitor')
    .argument('<spec>', 'pipeline spec (YAML or JSON)')
    .option('--wait', 'show live progress until the first attempt ends')
    .option('--once', 'end the lifecycle after one attempt instead of monitoring')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { wait?: boolean; once?: boolean; json?: boolean }) => {
      const spec = await loadPipelineSpec(file);
      await withClient(async (client) => {
        const handle = await startLifecycle(client, spec, { once: opts.once });
        if (!opts.wait) {
          if (opts.json) printJson({ workflowId: handle.workflowId });
          else
            printTable([
              ['workflowId', handle.workflowId],
              ['status', `mlops pipeline status ${spec.model}`],
            ]);
          return;
        }
        const startAttempt = (await getLifecycleStatus(client, spec.model)).attempt;
        let shown = '';
        for (;;) {
          const status = await getLifecycleStatus(client, spec.model);
          const line = `[${status.stage}] ${status.step}${await childProgress(client, status.currentWorkflow)}`;
          if (!opts.json && line !== shown) progress(line);
          shown = line;
          const done =
            status.lastOutcome &&
            status.lastOutcome.attempt >= Math.max(1, startAttempt) &&
            status.stage === 'monitoring';
          if (done || (opts.once && status.lastOutcome)) {
            if (opts.json) printJson(status);
            else printStatus(status);
            if (status.lastOutcome?.outcome !== 'promoted') process.exitCode = ExitCode.checkFailed;
            return;
          }
          await new Promise((r) => setTimeout(r, 1000));
        }
      });
    });

  pipeline
    .command('status')
    .description("a model's lifecycle: stage, step, champion, last drift check, KPIs")
    .argument('<model>')
    .option('--json', 'print one JSON object')
    .action(async (model: string, opts: { json?: boolean }) => {
      const status = await withClient((client) => getLifecycleStatus(client, model));
      if (opts.json) printJson(status);
      else printStatus(status);
    });

  const schedule = program.command('schedule').description('scheduled retraining (Temporal Schedules)');
  schedule
    .command('create')
    .description(`retrain on a cron schedule (overlap: skip; missed ticks run within ${SCHEDULE_CATCHUP_WINDOW})`)
    .argument('<spec>', 'pipeline spec of the model')
    .option('--cron <expr>', 'cron expression (default: the spec’s retraining.schedule)')
    .option('--paused', 'create it paused')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: { cron?: string; paused?: boolean; json?: boolean }) => {
      const spec = await loadPipelineSpec(file);
      const cron = opts.cron ?? spec.retraining?.schedule;
      if (!cron) throw new CliError('no schedule: pass --cron "0 3 * * *" or set retraining.schedule in the spec');
      const handle = await withClient((client) =>
        createRetrainingSchedule(client, spec.model, cron, { paused: opts.paused }),
      );
      if (opts.json) printJson({ scheduleId: handle.scheduleId, model: spec.model, cron });
      else
        printTable([
          ['schedule', handle.scheduleId],
          ['cron', cron],
        ]);
    });
  schedule
    .command('list')
    .description('every retraining schedule')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const list = await withClient((client) => listRetrainingSchedules(client));
      const rows = list.map(({ model, description }) => ({
        model,
        cron: String(description.memo?.cron ?? ''),
        paused: description.state.paused,
        nextRun: description.info.nextActionTimes[0]?.toISOString() ?? null,
        recentRuns: description.info.recentActions.length,
      }));
      if (opts.json) return printJson({ schedules: rows });
      if (rows.length === 0) return void process.stdout.write('no retraining schedules\n');
      for (const r of rows)
        process.stdout.write(`${r.model}  ${r.cron}  ${r.paused ? 'paused' : 'active'}  next ${r.nextRun ?? '-'}\n`);
    });
  for (const verb of ['pause', 'unpause', 'trigger', 'delete'] as const) {
    schedule
      .command(verb)
      .description(`${verb} a model's retraining schedule`)
      .argument('<model>')
      .action(async (model: string) => {
        await withClient(async (client) => {
          const handle = retrainingSchedule(client, model);
          if (verb === 'pause') await handle.pause('paused from the CLI');
          else if (verb === 'unpause') await handle.unpause('unpaused from the CLI');
          else if (verb === 'trigger') await handle.trigger();
          else await handle.delete();
        });
        process.stdout.write(`${model}: schedule ${verb === 'delete' ? 'deleted' : `${verb}d`}\n`);
      });
  }
}
