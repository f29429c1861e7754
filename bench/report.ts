/** The benchmark's JSON shape (docs: /DESIGN.md "Benchmarks") and its human-readable table. */

/** A peer measured in the same run, or why it could not be. */
export type Baseline =
  { name: string; value: number; method?: string; ratio?: number } | { name: string; value: null; reason: string };

/** One measured quantity. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  higherIsBetter: boolean;
  baselines: Baseline[];
  /** The figure of each round, where the bench measures in rounds (the value is the best). */
  rounds?: number[];
  /** The issue's goal for this result, when it has one: at least `ratio` × the named baseline. */
  target?: { baseline: string; ratio: number; met: boolean | null };
}

/** The whole output. */
export interface BenchReport {
  bench: string;
  machine: Record<string, string | number | null>;
  /** What was run (sizes, threads, formats), where the bench records it. */
  workload?: Record<string, unknown>;
  results: BenchResult[];
}

/** A baseline from a peer's number, or null with the reason it is missing. */
export function baseline(name: string, value: number | undefined, reason: string | undefined): Baseline {
  if (value !== undefined && Number.isFinite(value)) return { name, value };
  return { name, value: null, reason: reason ?? 'the peer reported no number' };
}

function format(value: number): string {
  if (Math.abs(value) >= 1e6) return value.toExponential(3);
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** How many times better the result is than the baseline (>1 = ours is better). */
export function advantage(result: BenchResult, base: Baseline): number | null {
  if (base.value === null || base.value === 0 || result.value === 0) return null;
  return result.higherIsBetter ? result.value / base.value : base.value / result.value;
}

/** A plain-text table: each result, then its baselines with how it compares. */
export function formatTable(report: BenchReport): string {
  const lines = [
    `machine: ${Object.entries(report.machine)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  ];
  if (report.workload) {
    const entries = Object.entries(report.workload).map(
      ([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    );
    lines.push(`workload: ${entries.join(', ')}`);
  }
  lines.push('');
  for (const result of report.results) {
    const better = result.higherIsBetter ? 'higher is better' : 'lower is better';
    lines.push(`${result.name}: ${format(result.value)} ${result.unit} (${better})`);
    for (const base of result.baselines) {
      const ratio = advantage(result, base);
      const value = base.value === null ? `n/a (${base.reason})` : `${format(base.value)} ${result.unit}`;
      lines.push(`  vs ${base.name.padEnd(18)} ${value}${ratio === null ? '' : `  → ours ${ratio.toFixed(2)}×`}`);
    }
    if (result.target) {
      const { baseline: name, ratio, met } = result.target;
      lines.push(`  target ≥ ${ratio}× ${name}: ${met === null ? 'not measured' : met ? 'met' : 'missed'}`);
    }
  }
  return lines.join('\n');
}
