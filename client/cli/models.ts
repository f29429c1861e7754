/** `mlops models …`: the model registry under MLOPS_HOME (register, list, show, promote, rollback, archive, lineage). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openArtifactStore } from '../../lib/artifacts';
import { loadConfig } from '../../lib/config';
import { openRegistry } from '../../lib/registry';
import { routesFollowChampion } from '../../lib/registry/follow-champion';
import type { RoutesFollowed } from '../../lib/registry/follow-champion';
import { fileIdempotencyKey, registerModelFile } from '../../lib/registry/register-model';
import type { RegistryContext } from '../../lib/registry/register-model';
import type { DatasetRole, ModelVersion } from '../../lib/registry/types';
import { CliError } from './errors';
import { readJsonFile } from './files';
import { printJson, printTable } from './output';

/** Opens the registry of MLOPS_HOME for one command and closes it afterwards. */
async function withRegistry<T>(fn: (ctx: RegistryContext) => Promise<T>): Promise<T> {
  const { home } = loadConfig();
  const ctx = { registry: openRegistry(home), store: openArtifactStore(home) };
  try {
    return await fn(ctx);
  } finally {
    await ctx.registry.close();
  }
}

/** Prints a champion move and what it did to the model's routes. */
function printChampionChange(
  model: string,
  change: { champion: number; previousChampion: number | null } & RoutesFollowed,
  json?: boolean,
): void {
  if (json) return printJson(change);
  const routes =
    change.routes === 'moved'
      ? `; gateways now serve ${change.stable} (was ${change.previousStable})`
      : change.routes === 'rollout'
        ? `; routes left to the rollout in progress (canary ${change.canary} at ${Math.round(change.canaryWeight * 100)} %)`
        : '';
  process.stdout.write(
    `${model}: champion ${change.champion} (previous-champion ${change.previousChampion ?? '-'})${routes}\n`,
  );
}

/** Splits `name@ref`; the ref defaults to `fallback`. */
export function parseModelRef(text: string, fallback?: string): { model: string; ref?: string } {
  const at = text.indexOf('@');
  if (at < 0) return { model: text, ref: fallback };
  if (at === 0 || at === text.length - 1) throw new CliError(`expected <name>@<version|alias>, got '${text}'`);
  return { model: text.slice(0, at), ref: text.slice(at + 1) };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new CliError(`cannot read dataset ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return hash.digest('hex');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const ROLES: readonly DatasetRole[] = ['train', 'valid', 'holdout', 'eval'];

function versionRows(v: ModelVersion): [string, string | number][] {
  return [
    ['model', v.model],
    ['version', v.version],
    ['status', v.status],
    ['aliases', v.aliases.join(', ') || '-'],
    ['created', v.createdAt],
    ['artifact', `${v.artifact.uri} (${v.artifact.bytes} bytes)`],
    ...Object.entries(v.metrics).map(([k, m]): [string, string] => [`metric ${k}`, String(m)]),
    ...Object.entries(v.tags).map(([k, t]): [string, string] => [`tag ${k}`, t]),
    ...v.lineage.datasets.map((d): [string, string] => [
      `dataset ${d.role}`,
      `${d.uri} (sha256 ${d.sha256.slice(0, 12)})`,
    ]),
  ];
}

interface RegisterOptions {
  model: string;
  metricsFrom?: string;
  dataset?: string[];
  tag?: string[];
  parent?: string;
  description?: string;
  idempotencyKey?: string;
  json?: boolean;
}

/** Registers `mlops models` and its verbs. */
export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('the model registry (SQLite under MLOPS_HOME)');
  models
    .command('register')
    .description('store an ONNX model as the next version of <name>, with its lineage')
    .argument('<name>', 'model name')
    .requiredOption('--model <file>', 'ONNX model file')
    .option('--metrics-from <file>', 'evaluation report (JSON from mlops model evaluate --json or --report-out)')
    .option('--dataset <role=path>', 'dataset used (train, valid, holdout, eval); repeatable', collect)
    .option('--tag <key=value>', 'tag; repeatable', collect)
    .option('--parent <version>', 'version this one was derived from')
    .option('--description <text>', 'free text')
    .option('--idempotency-key <key>', "same key → same version (default: the model file's sha256)")
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: RegisterOptions) => {
      const report = opts.metricsFrom
        ? ((await readJsonFile(opts.metricsFrom, 'evaluation report')) as { metrics?: Record<string, number> })
        : undefined;
      const datasets: { role: DatasetRole; uri: string; sha256: string }[] = [];
      for (const spec of opts.dataset ?? []) {
        const [role, ...rest] = spec.split('=');
        if (!ROLES.includes(role as DatasetRole) || rest.length === 0) {
          throw new CliError(`--dataset takes <role>=<path> with role ${ROLES.join('|')}, got '${spec}'`);
        }
        const path = resolve(rest.join('='));
        datasets.push({ role: role as DatasetRole, uri: path, sha256: await sha256File(path) });
      }
      const tags = Object.fromEntries(
        (opts.tag ?? []).map((t) => {
          const [k, ...v] = t.split('=');
          if (!k || v.length === 0) throw new CliError(`--tag takes key=value, got '${t}'`);
          return [k, v.join('=')];
        }),
      );
      const version = await withRegistry(async (ctx) =>
        registerModelFile(ctx, {
          model: name,
          modelPath: opts.model,
          idempotencyKey: opts.idempotencyKey ?? (await fileIdempotencyKey(opts.model).catch(() => 'unreadable')),
          metrics: report?.metrics,
          tags,
          datasets,
          parentVersion: opts.parent === undefined ? undefined : Number(opts.parent),
          description: opts.description,
          evaluationReportPath: opts.metricsFrom,
        }),
      );
      if (opts.json) printJson({ name: version.model, version: version.version, sha256: version.artifact.sha256 });
      else
        printTable([
          ['name', version.model],
          ['version', version.version],
          ['sha256', version.artifact.sha256],
        ]);
    });

  models
    .command('list')
    .description('every registered model with its latest and champion versions')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const list = await withRegistry(({ registry }) => registry.listModels());
      if (opts.json) return printJson({ models: list });
      if (list.length === 0) return void process.stdout.write('no models registered\n');
      process.stdout.write(`${'name'.padEnd(24)}  latest  champion  versions  archived\n`);
      for (const m of list) {
        process.stdout.write(
          `${m.name.padEnd(24)}  ${String(m.latestVersion ?? '-').padEnd(6)}  ${String(m.championVersion ?? '-').padEnd(8)}  ${String(m.versionCount).padEnd(8)}  ${m.archivedCount}\n`,
        );
      }
    });

  models
    .command('show')
    .description('a model version: <name>@<version|alias> (default: latest)')
    .argument('<ref>', 'name, name@3, name@champion')
    .option('--json', 'print one JSON object')
    .action(async (text: string, opts: { json?: boolean }) => {
      const { model, ref } = parseModelRef(text, 'latest');
      const version = await withRegistry(({ registry }) => registry.getVersion(model, ref as string));
      if (opts.json) printJson(version);
      else printTable(versionRows(version));
    });

  models
    .command('promote')
    .description('make <name>@<version> the champion (the old one becomes previous-champion)')
    .argument('<ref>', 'name@version or name@alias')
    .option('--reason <text>', 'recorded in the event log')
    .option('--json', 'print one JSON object')
    .action(async (text: string, opts: { reason?: string; json?: boolean }) => {
      const { model, ref } = parseModelRef(text);
      if (!ref) throw new CliError('promote needs <name>@<version>');
      const change = await withRegistry(async ({ registry }) => {
        const version = await registry.getVersion(model, ref);
        const moved = await registry.promote({ model, version: version.version, reason: opts.reason });
        const reason = opts.reason ?? `promote ${model}@${moved.champion}`;
        return { ...moved, ...(await routesFollowChampion(registry, model, moved.champion, reason)) };
      });
      printChampionChange(model, change, opts.json);
    });

  models
    .command('rollback')
    .description('make previous-champion the champion again')
    .argument('<name>', 'model name')
    .option('--reason <text>', 'recorded in the event log')
    .option('--json', 'print one JSON object')
    .action(async (model: string, opts: { reason?: string; json?: boolean }) => {
      const change = await withRegistry(async ({ registry }) => {
        const moved = await registry.rollback({ model, reason: opts.reason });
        const reason = opts.reason ?? `rollback ${model} to ${moved.champion}`;
        return { ...moved, ...(await routesFollowChampion(registry, model, moved.champion, reason)) };
      });
      printChampionChange(model, change, opts.json);
    });

  models
    .command('archive')
    .description('retire a version; its lineage and data references are kept')
    .argument('<ref>', 'name@version')
    .option('--reason <text>', 'recorded in the event log')
    .option('--json', 'print one JSON object')
    .action(async (text: string, opts: { reason?: string; json?: boolean }) => {
      const { model, ref } = parseModelRef(text);
      if (!ref) throw new CliError('archive needs <name>@<version>');
      const result = await withRegistry(async ({ registry }) => {
        const version = await registry.getVersion(model, ref);
        return registry.archive({ model, version: version.version, reason: opts.reason });
      });
      if (opts.json) printJson(result);
      else process.stdout.write(`${model}@${result.version}: archived\n`);
    });

  models
    .command('lineage')
    .description('where a version came from: datasets, contract, profile, trainer, run, parents')
    .argument('<ref>', 'name@version or name@alias (default: latest)')
    .option('--json', 'print one JSON object')
    .action(async (text: string, opts: { json?: boolean }) => {
      const { model, ref } = parseModelRef(text, 'latest');
      const record = await withRegistry(({ registry }) => registry.lineage(model, ref as string));
      if (opts.json) return printJson(record);
      const l = record.lineage;
      printTable([
        ['model', `${record.model}@${record.version}`],
        ...l.datasets.map((d): [string, string] => [`dataset ${d.role}`, `${d.uri} (sha256 ${d.sha256})`]),
        ['contract sha256', l.contractSha256 ?? '-'],
        ['profile sha256', l.profileSha256 ?? '-'],
        ['trainer', l.trainer ? `${l.trainer.command} ${JSON.stringify(l.trainer.params ?? {})}` : '-'],
        ['code version', l.codeVersion ?? '-'],
        ['workflow', l.workflowId ? `${l.workflowId} (run ${l.runId ?? '-'})` : '-'],
        ['parents', record.parents.map((p) => p.version).join(' <- ') || '-'],
      ]);
    });
}
