/** `mlops deploy` and `mlops rollout start|status|approve|reject|rollback`. */
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { openRegistry } from '../../lib/registry';
import type { CanaryPolicy } from '../../workflows/policy/canary';
import type { RolloutStatus } from '../../workflows/contracts';
import { createClient } from '../connection';
import { decideRollout, getRolloutStatus, rollbackRollout, startRollout } from '../rollout';
import { CliError, ExitCode } from './errors';
import { parseModelRef } from './models';
import { printJson, printTable, progress } from './output';

/** Parses `90s`, `5m`, `1h` or plain seconds. */
export function parseSeconds(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`${flag} takes a duration like 60s, 5m or 1h, got '${text}'`);
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] ?? 's'] as number;
  return Number(match[1]) * factor;
}

function versionOf(text: string): { model: string; version: number } {
  const { model, ref } = parseModelRef(text);
  const version = Number(ref);
  if (!ref || !Number.isSafeInteger(version) || version < 1)
    throw new CliError(`expected <model>@<version number>, got '${text}'`);
  return { model, version };
}

function printStatus(status: RolloutStatus): void {
  printTable([
    ['model', status.model],
    ['candidate', status.version],
    ['stable', status.stable ?? '-'],
    ['state', status.state],
    ['canary traffic', `${status.percent}%`],
    ['reason', status.reason ?? '-'],
  ]);
  for (const step of status.steps) {
    const why = step.verdict.reasons.join('; ') || 'healthy';
    process.stdout.write(
      `  step ${step.percent}%: ${step.verdict.decision} (canary ${step.canaryRequests}, stable ${step.stableRequests} requests) ${why}\n`,
    );
  }
}

async function withClient<T>(fn: (client: Awaited<ReturnType<typeof createClient>>) => Promise<T>): Promise<T> {
  const client = await createClient(loadConfig());
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

/** Registers `deploy` and `rollout`. */
export function registerRolloutCommands(program: Command): void {
  program
    .command('deploy')
    .description(
      "make <model>@<version> the champion and route all traffic to it (a model's first version, or --force)",
    )
    .argument('<ref>', 'model@version')
    .option('--force', 'replace an existing champion without a canary (requires --reason)')
    .option('--reason <text>', 'recorded in the registry event log')
    .option('--json', 'print one JSON object')
    .action(async (text: string, opts: { force?: boolean; reason?: string; json?: boolean }) => {
      const { model, version } = versionOf(text);
      const registry = openRegistry(loadConfig().home);
      try {
        const champion = (await registry.listModels()).find((m) => m.name === model)?.championVersion ?? null;
        if (champion !== null && champion !== version && !opts.force) {
          throw new CliError(
            `${model} already has champion ${champion}: use mlops rollout start, or --force --reason "…"`,
          );
        }
        if (opts.force && !opts.reason) throw new CliError('--force needs --reason "…" (it is recorded)');
        const change = await registry.promote({ model, version, reason: opts.reason ?? 'first deployment' });
        const routes = await registry.setRoutes({
          model,
          stable: version,
          canaryWeight: 0,
          reason: opts.reason ?? 'deploy',
        });
        const summary = {
          model,
          champion: change.champion,
          previousChampion: change.previousChampion,
          generation: routes.generation,
        };
        if (opts.json) printJson(summary);
        else printTable(Object.entries(summary).map(([k, v]) => [k, String(v ?? '-')]));
      } finally {
        await registry.close();
      }
    });

  const rollout = program.command('rollout').description('canary rollouts with automatic rollback');
  rollout
    .command('start')
    .description('start a canary rollout of <model>@<version> against the current champion')
    .argument('<ref>', 'model@version')
    .option('--steps <list>', 'canary traffic per step in percent', '5,25,50,100')
    .option('--bake <duration>', 'bake time per step (e.g. 60s, 5m)', '60s')
    .option('--min-requests <n>', 'canary requests needed per step before judging')
    .option('--max-wait <duration>', 'how long a step waits for traffic before aborting')
    .option('--approval', 'wait for mlops rollout approve before 100 %')
    .option(
      '--gateway <url>',
      'gateway base URL; repeatable (default: the control worker’s)',
      (v: string, p: string[] = []) => [...p, v],
    )
    .option('--wait', 'wait for the outcome, showing each step')
    .option('--json', 'print one JSON object')
    .action(
      async (
        text: string,
        opts: {
          steps: string;
          bake: string;
          minRequests?: string;
          maxWait?: string;
          approval?: boolean;
          gateway?: string[];
          wait?: boolean;
          json?: boolean;
        },
      ) => {
        const { model, version } = versionOf(text);
        const policy: Partial<CanaryPolicy> = {
          steps: opts.steps.split(',').map((s) => Number(s.trim())),
          bakeSeconds: parseSeconds(opts.bake, '--bake'),
          requireApproval: Boolean(opts.approval),
        };
        if (opts.minRequests) policy.minRequests = Number(opts.minRequests);
        if (opts.maxWait) policy.maxWaitSeconds = parseSeconds(opts.maxWait, '--max-wait');
        await withClient(async (client) => {
          const handle = await startRollout(client, { model, version, policy, gateways: opts.gateway });
          if (!opts.wait) {
            if (opts.json) printJson({ workflowId: handle.workflowId });
            else printTable([['workflowId', handle.workflowId]]);
            return;
          }
          let shown = 0;
          const timer = setInterval(() => {
            void handle
              .query('status')
              .then((s) => {
                const status = s as RolloutStatus;
                for (const step of status.steps.slice(shown)) {
                  if (!opts.json)
                    progress(`step ${step.percent}%: ${step.verdict.decision} ${step.verdict.reasons.join('; ')}`);
                }
                shown = status.steps.length;
              })
              .catch(() => undefined);
          }, 2000);
          try {
            const result = await handle.result();
            if (opts.json) printJson(result);
            else printStatus(result);
            if (result.outcome !== 'promoted') process.exitCode = ExitCode.checkFailed;
          } finally {
            clearInterval(timer);
          }
        });
      },
    );

  rollout
    .command('status')
    .description("a model's latest rollout")
    .argument('<model>')
    .option('--json', 'print one JSON object')
    .action(async (model: string, opts: { json?: boolean }) => {
      const status = await withClient((client) => getRolloutStatus(client, model));
      if (opts.json) printJson(status);
      else printStatus(status);
    });

  for (const [verb, approved] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    rollout
      .command(verb)
      .description(`${verb} promotion to 100 % of a rollout awaiting approval`)
      .argument('<model>')
      .option('--reason <text>', 'recorded with the decision')
      .option('--json', 'print one JSON object')
      .action(async (model: string, opts: { reason?: string; json?: boolean }) => {
        const status = await withClient((client) => decideRollout(client, model, approved, opts.reason));
        if (opts.json) printJson(status);
        else printStatus(status);
      });
  }

  rollout
    .command('rollback')
    .description('roll a running canary back now')
    .argument('<model>')
    .option('--reason <text>', 'recorded with the rollback', 'manual rollback')
    .action(async (model: string, opts: { reason: string }) => {
      await withClient((client) => rollbackRollout(client, model, opts.reason));
      process.stdout.write(`${model}: rollback requested\n`);
    });
}
