/** Flags of bench:lifecycle, its measurements' figures, and the report (DESIGN.md "Benchmarks") with the targets. */
import { describeMachine } from './machine';
import { median } from './measure';

/** The two sides measured: the engine's lifecycle and the plain SDK workflows making the same calls. */
export type Side = 'lifecycle' | 'bare';

/** What a run measures and how it prints. */
export interface LifecycleArgs {
  json: boolean;
  /** Timed start → result runs per side, one at a time, after 5 warm-up runs each. */
  samples: number;
  /** Workflows in flight in the throughput rounds. */
  concurrency: number;
  /** Workflows each in-flight slot runs back to back in a round. */
  perSlot: number;
  /** Throughput rounds per side, alternating; the best round is the value. */
  rounds: number;
}

const USAGE = 'usage: npm run bench:lifecycle -- [--json] [--samples N] [--concurrency N] [--per-slot N] [--rounds N]';

function count(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 1)
    throw new Error(`${flag} needs a whole number >= 1, got ${value ?? 'nothing'}\n${USAGE}`);
  return n;
}

/** Parses the flags; unknown flags fail with the usage line. */
export function parseLifecycleArgs(argv: string[]): LifecycleArgs {
  const args: LifecycleArgs = { json: false, samples: 60, concurrency: 64, perSlot: 5, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--samples') args.samples = count(flag, argv[++i]);
    else if (flag === '--concurrency') args.concurrency = count(flag, argv[++i]);
    else if (flag === '--per-slot') args.perSlot = count(flag, argv[++i]);
    else if (flag === '--rounds') args.rounds = count(flag, argv[++i]);
    else throw new Error(`${flag === '--help' || flag === '-h' ? '' : `unknown flag ${flag}\n`}${USAGE}`);
  }
  return args;
}

/** What was measured of one side. */
export interface SideFigures {
  /** Start → result of each timed run, ms. */
  latencies: number[];
  /** Workflows per second of each throughput round. */
  rates: number[];
}

/** A goal from the issue: the result at most (lower is better) or at least (higher) `ratio` × the baseline. */
interface Target {
  baseline: string;
  ratio: number;
  direction: 'at-most' | 'at-least';
  met: boolean;
}

/** One result with its `bare-sdk` baseline and the ratio ours / baseline. */
interface OverheadResult {
  name: string;
  unit: string;
  value: number;
  higherIsBetter: boolean;
  baselines: { name: string; value: number; ratio: number; rounds?: number[] }[];
  rounds?: number[];
  target: Target;
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function result(
  name: string,
  unit: string,
  ours: number,
  base: number,
  goal: Omit<Target, 'met' | 'baseline'>,
  rounds?: { ours: number[]; base: number[] },
): OverheadResult {
  const ratio = ours / base;
  const baseRounds = rounds ? { rounds: rounds.base.map((r) => round(r)) } : {};
  return {
    name,
    unit,
    value: round(ours),
    higherIsBetter: goal.direction === 'at-least',
    baselines: [{ name: 'bare-sdk', value: round(base), ratio: round(ratio, 3), ...baseRounds }],
    ...(rounds ? { rounds: rounds.ours.map((r) => round(r)) } : {}),
    target: {
      baseline: 'bare-sdk',
      ...goal,
      met: goal.direction === 'at-most' ? ratio <= goal.ratio : ratio >= goal.ratio,
    },
  };
}

/** The report: p50 start → result (≤ 1.1× bare-sdk) and lifecycles/s at the concurrency (≥ 0.9× bare-sdk). */
export function lifecycleReport(figures: Record<Side, SideFigures>, args: LifecycleArgs) {
  const { lifecycle, bare } = figures;
  const p50 = result('lifecycle-start-to-complete-p50', 'ms', median(lifecycle.latencies), median(bare.latencies), {
    ratio: 1.1,
    direction: 'at-most',
  });
  const rate = result(
    `lifecycles-per-second-c${args.concurrency}`,
    'lifecycles/s',
    Math.max(...lifecycle.rates),
    Math.max(...bare.rates),
    { ratio: 0.9, direction: 'at-least' },
    { ours: lifecycle.rates, base: bare.rates },
  );
  return {
    bench: 'lifecycle',
    machine: describeMachine(),
    workload: {
      calls:
        'profileDataset, trainingWorkflow child (trainModel), getChampion, evaluateModel, registerModelVersion, setModelAlias, setModelRoutes',
      activities: 'no-op stand-ins under the real names (bench/lifecycle-noop.ts), one worker per task queue',
      server: 'embedded Temporal server (SQLite, 1 history shard) on the same machine',
      samples: args.samples,
      concurrency: args.concurrency,
      workflowsPerRound: args.concurrency * args.perSlot,
      rounds: args.rounds,
    },
    results: [p50, rate],
    percentiles: {
      lifecycle: {
        p90: round(percentile(lifecycle.latencies, 0.9)),
        p99: round(percentile(lifecycle.latencies, 0.99)),
      },
      bare: { p90: round(percentile(bare.latencies, 0.9)), p99: round(percentile(bare.latencies, 0.99)) },
    },
    // The rate's value is the best round of each side (as bench/report.ts has it); the medians show the spread.
    roundMedians: {
      lifecycle: round(median(lifecycle.rates)),
      bare: round(median(bare.rates)),
      ratio: round(median(lifecycle.rates) / median(bare.rates), 3),
    },
    targetsMet: p50.target.met && rate.target.met,
  };
}

/** The report as text. */
export function formatLifecycleTable(report: ReturnType<typeof lifecycleReport>): string {
  const lines = [`machine: ${Object.values(report.machine).join(', ')}`, ''];
  for (const r of report.results) {
    const base = r.baselines[0];
    const goal = `${r.target.direction === 'at-most' ? '≤' : '≥'} ${r.target.ratio}× bare-sdk`;
    lines.push(`${r.name}: ${r.value} ${r.unit}`);
    lines.push(
      `  vs bare-sdk ${base.value} ${r.unit}  → ${base.ratio}× (target ${goal}: ${r.target.met ? 'met' : 'missed'})`,
    );
  }
  const m = report.roundMedians;
  lines.push(`throughput rounds, medians: lifecycle ${m.lifecycle}/s, bare-sdk ${m.bare}/s → ${m.ratio}×`);
  return lines.join('\n');
}
