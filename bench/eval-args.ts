/** Command-line flags of bench/eval.ts. */
import type { EvalFormat } from './eval-workload';

/** What a bench:eval run measures and how it prints. */
export interface EvalArgs {
  /** One JSON object on stdout instead of a table. */
  json: boolean;
  /** Rows of the generated dataset. */
  rows: number;
  /** onnxruntime intra-op threads, on both sides (inter-op: 1, sequential execution). */
  threads: number;
  /** Rows per session.run, on both sides. */
  batchSize: number;
  /** Timed runs per measurement (after one warm-up); the median is the round's figure. */
  repeat: number;
  /** Rounds of Node model-only, Python and end-to-end measurements, interleaved; the best round counts. */
  rounds: number;
  /** File format of the dataset (default Arrow IPC, the lighter of the library's readers). */
  format: EvalFormat;
  /** Run the Python peer. */
  python: boolean;
}

const USAGE =
  'usage: bench/eval.ts [--json] [--rows N] [--threads N] [--batch N] [--repeat N] [--rounds N] [--format arrow|parquet] [--no-python]';

function count(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${flag} needs a whole number >= 1, got ${value ?? 'nothing'}\n${USAGE}`);
  }
  return n;
}

/** Parses the flags; unknown flags fail with the usage line. */
export function parseEvalArgs(argv: string[]): EvalArgs {
  const args: EvalArgs = {
    json: false,
    rows: 1_000_000,
    threads: 1,
    batchSize: 8192,
    repeat: 3,
    rounds: 3,
    format: 'arrow',
    python: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--no-python') args.python = false;
    else if (flag === '--rows') args.rows = count(flag, argv[++i]);
    else if (flag === '--threads') args.threads = count(flag, argv[++i]);
    else if (flag === '--batch') args.batchSize = count(flag, argv[++i]);
    else if (flag === '--repeat') args.repeat = count(flag, argv[++i]);
    else if (flag === '--rounds') args.rounds = count(flag, argv[++i]);
    else if (flag === '--format') {
      const format = argv[++i];
      if (format !== 'parquet' && format !== 'arrow') throw new Error(`--format is arrow or parquet\n${USAGE}`);
      args.format = format;
    } else if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return args;
}
