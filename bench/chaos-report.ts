/** Flags of bench:chaos and its report: the DESIGN.md "Benchmarks" object plus every run's record. */
import { resolve } from 'node:path';
import { describeMachine } from './machine';
import { median } from './measure';
import { formatTable } from './report';
import type { BenchReport, BenchResult } from './report';
import type { RunAudit } from './chaos-audit';
import { ROWS, TRAINER } from './chaos-spec';
import type { TrafficCounts } from './chaos-spec';
import type { WorkerKind } from './chaos-workers';

/** What a run of the bench does and how it prints. */
export interface ChaosArgs {
  json: boolean;
  runs: number;
  /** Worker processes per queue kind. */
  workers: number;
  seed: number;
  /** Make every other run a second version rolled out as a canary. */
  canary: boolean;
  /** Keep each worker's log (level info) in this folder. */
  workerLogs?: string;
}

const USAGE = 'usage: npm run chaos -- [--json] [--runs N] [--workers N] [--seed N] [--no-canary] [--worker-logs DIR]';

function count(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < min)
    throw new Error(`${flag} needs a whole number >= ${min}, got ${value ?? 'nothing'}\n${USAGE}`);
  return n;
}

/** Parses the flags; unknown flags fail with the usage line. */
export function parseChaosArgs(argv: string[]): ChaosArgs {
  const args: ChaosArgs = { json: false, runs: 20, workers: 2, seed: 7, canary: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--no-canary') args.canary = false;
    else if (flag === '--runs') args.runs = count(flag, argv[++i], 1);
    else if (flag === '--workers') args.workers = count(flag, argv[++i], 2);
    else if (flag === '--seed') args.seed = count(flag, argv[++i], 0);
    else if (flag === '--worker-logs') args.workerLogs = resolve(argv[++i] ?? '.');
    else throw new Error(`${flag === '--help' || flag === '-h' ? '' : `unknown flag ${flag}\n`}${USAGE}`);
  }
  return args;
}

/** One run: the model, the kill, how long it took and its audit. */
export interface RunRecord extends RunAudit {
  run: number;
  model: string;
  /** `first`: one lifecycle deploying v1 (killed); `canary`: v1 deployed, then v2's lifecycle (killed) with a canary. */
  kind: 'first' | 'canary';
  /** The whole run, including a canary run's first lifecycle, seconds. */
  seconds: number;
  /** The killed lifecycle, start to result, seconds. */
  lifecycleSeconds: number;
  killed: { kind: WorkerKind; pid: number; atSeconds: number; busy: boolean; during: string };
  /** Gateway requests answered and failed during a canary run. */
  requests?: TrafficCounts;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The report object (and its text form for the table output). */
export function chaosReport(runs: RunRecord[], args: ChaosArgs): BenchReport & Record<string, unknown> {
  const completed = runs.filter((r) => r.ok).length;
  const duplicateVersions = sum(runs.map((r) => r.duplicateVersions));
  const duplicateRetrainings = sum(runs.map((r) => r.duplicateRetrainings));
  const trainingRetries = runs.flatMap((r) => r.retries.filter((retry) => retry.type === 'trainModel'));
  const retryCauses: Record<string, number> = {};
  for (const r of runs.flatMap((run) => run.retries)) {
    const cause = `${r.type}: ${r.why.slice(0, 80)}`;
    retryCauses[cause] = (retryCauses[cause] ?? 0) + 1;
  }
  const zero = [{ name: 'target', value: 0 }];
  const results: BenchResult[] = [
    {
      name: 'completed-runs',
      unit: 'runs',
      value: completed,
      higherIsBetter: true,
      baselines: [{ name: 'runs', value: runs.length }],
      target: { baseline: 'runs', ratio: 1, met: completed === runs.length },
    },
    { name: 'failed-runs', unit: 'runs', value: runs.length - completed, higherIsBetter: false, baselines: zero },
    {
      name: 'duplicate-model-versions',
      unit: 'versions',
      value: duplicateVersions,
      higherIsBetter: false,
      baselines: zero,
    },
    {
      name: 'duplicate-retrainings',
      unit: 'trainings',
      value: duplicateRetrainings,
      higherIsBetter: false,
      baselines: zero,
    },
    {
      name: 'lost-training-steps',
      unit: 'steps',
      value: sum(runs.map((r) => r.lostSteps)),
      higherIsBetter: false,
      baselines: [],
    },
    {
      name: 'lost-training-steps-max',
      unit: 'steps',
      value: Math.max(0, ...runs.map((r) => r.lostSteps)),
      higherIsBetter: false,
      baselines: [{ name: 'checkpoint-interval', value: TRAINER.params.checkpointEvery }],
    },
    {
      name: 'training-id-collisions',
      unit: 'trainings',
      value: sum(runs.map((r) => r.trainingIdCollisions)),
      higherIsBetter: false,
      baselines: zero,
    },
    {
      name: 'training-retries-not-from-kills',
      unit: 'attempts',
      value: trainingRetries.filter((r) => !r.why.includes('Heartbeat timeout')).length,
      higherIsBetter: false,
      baselines: zero,
    },
    {
      name: 'killed-lifecycle-seconds-p50',
      unit: 's',
      value: median(runs.map((r) => r.lifecycleSeconds)),
      higherIsBetter: false,
      baselines: [],
    },
  ];
  const kills = {
    control: runs.filter((r) => r.killed.kind === 'control').length,
    data: runs.filter((r) => r.killed.kind === 'data').length,
    gpu: runs.filter((r) => r.killed.kind === 'gpu').length,
    busy: runs.filter((r) => r.killed.busy).length,
    duringTraining: runs.filter((r) => r.killed.during.includes('trainModel')).length,
    afterTheEnd: runs.filter((r) => r.killed.during === 'after the lifecycle ended').length,
    retriedTrainings: runs.filter((r) => r.trainingAttempts.some((a) => a > 1)).length,
  };
  const report: BenchReport & Record<string, unknown> = {
    bench: 'chaos',
    machine: describeMachine(),
    workload: {
      runs: args.runs,
      canaryRuns: runs.filter((r) => r.kind === 'canary').length,
      workersPerQueue: args.workers,
      trainer: TRAINER,
      rows: ROWS,
      seed: args.seed,
      kill: 'SIGKILL of one worker process per run at a random moment (half the time one running the lifecycle’s activity), then a replacement starts',
      timeouts: {
        trainingHeartbeatSeconds: TRAINER.heartbeatTimeoutSeconds,
        dataScanHeartbeatSeconds: 30,
        controlActivityStartToCloseSeconds: 30,
        stickyScheduleToStartSeconds: 10,
      },
    },
    results,
    targetsMet: completed === runs.length && duplicateVersions === 0 && duplicateRetrainings === 0,
    kills,
    retryCauses,
    runs,
  };
  return report;
}

/** The report as text: the results table, then one line per run. */
export function formatChaosTable(report: BenchReport, runs: RunRecord[]): string {
  const lines = runs.map(
    (r) =>
      `run ${r.run} ${r.kind}: ${r.ok ? 'ok' : `FAILED (${r.problems.join('; ')})`}, killed ${r.killed.kind} at ` +
      `${r.killed.atSeconds} s during ${r.killed.during}, ${r.lifecycleSeconds} s, lost ${r.lostSteps} steps`,
  );
  return [formatTable(report), '', ...lines].join('\n');
}
