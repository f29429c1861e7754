/** `mlops report kpi`: lifecycle KPIs from the registry (deployment velocity, cloud efficiency, pipeline latency). */
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { computeKpis } from '../../lib/kpi/kpis';
import { openRegistry } from '../../lib/registry';
import type { ModelVersion } from '../../lib/registry/types';
import { CliError } from './errors';
import { printJson, printTable } from './output';

const fmt = (v: number | null, unit: string) =>
  v === null ? '- (not enough data)' : `${Number(v.toPrecision(4))} ${unit}`;

/** Registers `mlops report`. */
export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('reports over the lifecycle');
  report
    .command('kpi')
    .description('deployment velocity, cloud efficiency and pipeline latency from the registry')
    .option('--model <name>', 'one model only')
    .option('--since <iso-date>', 'start of the window (default: all time)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { model?: string; since?: string; json?: boolean }) => {
      if (opts.since && Number.isNaN(Date.parse(opts.since)))
        throw new CliError(`--since must be an ISO date, got '${opts.since}'`);
      const since = opts.since ? new Date(opts.since).toISOString() : undefined;
      const registry = openRegistry(loadConfig().home);
      try {
        const names = opts.model ? [opts.model] : (await registry.listModels()).map((m) => m.name);
        const versions: ModelVersion[] = [];
        for (const name of names) versions.push(...(await registry.listVersions(name, { includeArchived: true })));
        const events = [];
        for (let afterId = 0; ;) {
          const page = await registry.events({ model: opts.model, afterId, limit: 1000 });
          events.push(...page);
          if (page.length < 1000) break;
          afterId = page[page.length - 1].id;
        }
        const kpis = computeKpis({ versions, events, model: opts.model, since });
        if (opts.json) return printJson(kpis);
        printTable([
          ['window', `${kpis.window.from ?? 'all time'} .. ${kpis.window.to}`],
          ['deployment velocity V_d', fmt(kpis.deploymentVelocity.value, 'models/hour')],
          ['  deployments N_m', kpis.deploymentVelocity.deployments],
          [
            '  T_d + T_v',
            `${kpis.deploymentVelocity.developmentHours.toFixed(4)} h + ${kpis.deploymentVelocity.validationHours.toFixed(4)} h`,
          ],
          ['cloud efficiency E_c', fmt(kpis.cloudEfficiency.value, 'device-hours per unit cost')],
          ['  U_c / C_c', `${kpis.cloudEfficiency.deviceHours.toFixed(4)} h / ${kpis.cloudEfficiency.cost.toFixed(4)}`],
          ['pipeline latency L (mean)', fmt(kpis.pipelineLatency.meanSeconds, 's')],
          ['  runs with timings', kpis.pipelineLatency.runs.length],
        ]);
      } finally {
        await registry.close();
      }
    });
}
