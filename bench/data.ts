/**
 * The data-plane benchmark: validate+profile throughput (in memory and from Parquet) and drift statistics,
 * each against Python peers measured in the same run on the same data. See bench/README.md.
 *
 * `npm run bench:data -- --json` prints one JSON object (DESIGN.md "Benchmarks"); progress goes to stderr.
 */
import { loadavg } from 'node:os';
import { parseArgs } from './args';
import { oneColumnResult, tenColumnsResult } from './drift-bench';
import { describeMachine } from './machine';
import { progress } from './measure';
import { preparePython } from './python';
import { formatTable } from './report';
import type { BenchReport } from './report';
import { validateResults } from './validate-bench';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadAtStart = loadavg()[0];
  const peers = await preparePython(args.python);
  if ('reason' in peers) progress(`Python baselines skipped: ${peers.reason}`);
  const machine = {
    ...describeMachine(),
    python: 'version' in peers ? peers.version : null,
    pythonPackages:
      'versions' in peers
        ? Object.entries(peers.versions)
            .map(([name, version]) => `${name}==${version ?? 'missing'}`)
            .join(' ')
        : null,
  };
  const results = [
    ...(await validateResults(args.rows, args.repeat, peers)),
    await oneColumnResult(args.driftRows, args.repeat, peers),
    await tenColumnsResult(200_000, args.repeat, peers),
  ];
  // Other processes on the machine skew timings; the 1-minute load average before and after says how much.
  const load = `1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`;
  const report: BenchReport = { bench: 'data', machine: { ...machine, load }, results };
  console.log(args.json ? JSON.stringify(report) : formatTable(report));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
