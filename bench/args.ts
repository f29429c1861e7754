/** Command-line flags of bench/data.ts. */

/** What a run measures and how it prints. */
export interface BenchArgs {
  /** One JSON object on stdout instead of a table. */
  json: boolean;
  /** Rows of the validate+profile workload. */
  rows: number;
  /** Rows per side of the one-column drift comparison. */
  driftRows: number;
  /** Timed runs per measurement (after one warm-up); the median is reported. */
  repeat: number;
  /** Run the Python peers (pandera, scipy, Evidently). */
  python: boolean;
}

const USAGE = 'usage: bench/data.ts [--json] [--rows N] [--drift-rows N] [--repeat N] [--no-python]';

function count(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${flag} needs a whole number >= 1, got ${value ?? 'nothing'}\n${USAGE}`);
  }
  return n;
}

/** Parses the flags; unknown flags fail with the usage line. */
export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { json: false, rows: 10_000_000, driftRows: 1_000_000, repeat: 3, python: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--no-python') args.python = false;
    else if (flag === '--rows') args.rows = count(flag, argv[++i]);
    else if (flag === '--drift-rows') args.driftRows = count(flag, argv[++i]);
    else if (flag === '--repeat') args.repeat = count(flag, argv[++i]);
    else if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return args;
}
