/**
 * `npm run fuzz -- --seconds N`: runs the fuzz properties of test/security (CSV, Arrow and Parquet readers, the
 * data-contract and pipeline-spec parsers) with fresh random seeds until N seconds (default 60) are spent,
 * sharing the time between the targets. Progress goes to stderr; one JSON object goes to stdout: cases per
 * target, and each failure with the seed and path that replay it
 * (`npm run fuzz -- --target <name> --seed <seed> --path <path>`). Exits 1 on any failure, 2 on bad usage.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fuzzProperty } from '../test/security/fuzz-property';
import type { FuzzTarget } from '../test/security/fuzz-property';
import { FUZZ_TARGET_NAMES, fuzzTargets } from '../test/security/fuzz-targets';

interface Options {
  seconds: number;
  targets: string[];
  seed?: number;
  path?: string;
}

interface Failure {
  target: string;
  seed: number;
  path: string;
  counterexample: string;
  error: string;
  replay: string;
}

function usage(message: string): never {
  process.stderr.write(`fuzz: ${message}\nusage: npm run fuzz -- [--seconds N] [--target NAME] [--seed S --path P]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const options: Options = { seconds: 60, targets: [...FUZZ_TARGET_NAMES] };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--seconds') options.seconds = Number(value);
    else if (argv[i] === '--target') options.targets = value?.split(',') ?? [];
    else if (argv[i] === '--seed') options.seed = Number(value);
    else if (argv[i] === '--path') options.path = value;
    else usage(`unknown argument '${argv[i]}'`);
    i++;
  }
  if (!Number.isFinite(options.seconds) || options.seconds <= 0) usage('--seconds takes a positive number');
  const unknown = options.targets.filter((t) => !(FUZZ_TARGET_NAMES as readonly string[]).includes(t));
  if (unknown.length > 0 || options.targets.length === 0) usage(`targets are ${FUZZ_TARGET_NAMES.join(', ')}`);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) usage('--seed takes an integer');
  return options;
}

/** Runs one batch of cases of `target`; returns the cases run and the failure, if any. */
async function runBatch(target: FuzzTarget, numRuns: number, seed: number, path?: string) {
  const details = await fc.check(fuzzProperty(target), { numRuns, seed, path, endOnFailure: true });
  if (!details.failed) return { cases: details.numRuns };
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const failure: Failure = {
    target: target.name,
    seed: details.seed,
    path: details.counterexamplePath ?? '',
    counterexample: fc.stringify(details.counterexample).slice(0, 2000),
    error: error.split('\n')[0].slice(0, 1000),
    replay: `npm run fuzz -- --target ${target.name} --seed ${details.seed} --path ${details.counterexamplePath ?? ''}`,
  };
  return { cases: details.numRuns, failure };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const scratch = await mkdtemp(join(tmpdir(), 'mlops-fuzz-'));
  const started = Date.now();
  const cases: Record<string, number> = {};
  const failures: Failure[] = [];
  try {
    const targets = (await fuzzTargets(scratch)).filter((t) => options.targets.includes(t.name));
    for (const t of targets) cases[t.name] = 0;
    if (options.seed !== undefined) {
      // Replays one failure (seed and path from a summary) and stops.
      for (const target of targets) {
        const batch = await runBatch(target, 1, options.seed, options.path);
        cases[target.name] += batch.cases;
        if (batch.failure) failures.push(batch.failure);
      }
    } else {
      const deadline = started + options.seconds * 1000;
      const failed = new Set<string>();
      let shown = started;
      while (Date.now() < deadline && failed.size < targets.length) {
        for (const target of targets) {
          if (failed.has(target.name) || Date.now() >= deadline) continue;
          // A batch is about a twentieth of the target's CI run, so every target gets turns within the budget.
          const numRuns = Math.max(1, Math.ceil(target.testRuns / 20));
          const batch = await runBatch(target, numRuns, Math.floor(Math.random() * 2 ** 31));
          cases[target.name] += batch.cases;
          if (batch.failure) {
            failures.push(batch.failure);
            failed.add(target.name);
            process.stderr.write(`fuzz: ${target.name} FAILED: ${batch.failure.error}\n  ${batch.failure.replay}\n`);
          }
        }
        if (Date.now() - shown >= 5000) {
          shown = Date.now();
          const counts = Object.entries(cases).map(([name, count]) => `${name}=${count}`);
          process.stderr.write(`fuzz: ${((shown - started) / 1000).toFixed(0)}s ${counts.join(' ')}\n`);
        }
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const summary = {
    fuzz: FUZZ_TARGET_NAMES.filter((n) => options.targets.includes(n)),
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    cases,
    failures,
    passed: failures.length === 0,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
