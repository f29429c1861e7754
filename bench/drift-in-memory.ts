/**
 * computeDrift's per-column statistics on in-memory Arrow columns: lib/data/drift.ts's reference and drift
 * functions (reference deciles, PSI and Jensen–Shannon on the bins, KS with its p-value; PSI, Jensen–Shannon and
 * chi-square on categories) without its file reading.
 */
import type { Vector } from 'apache-arrow';
import { categoricalValues, numericValues } from '../lib/data/columns';
import { categoricalDrift as categoricalColumnDrift, numericDriftOfValues } from '../lib/data/drift';
import type { ColumnDrift } from '../lib/data/drift';
import { defaultDriftPolicy } from '../lib/data/drift-policy';

/** Non-null values of a numeric column (as collectColumns keeps them). */
export function presentValues(vector: Vector): Float64Array {
  const values = numericValues(vector);
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === v) out[n++] = v;
  }
  return out.subarray(0, n);
}

/** Counts per category of a categorical column, nulls left out. */
export function categoryCounts(vector: Vector): Map<string, number> {
  const { codes, dictionary } = categoricalValues(vector);
  const counts = new Float64Array(dictionary.length);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) counts[codes[i]]++;
  const out = new Map<string, number>();
  dictionary.forEach((value, code) => {
    if (counts[code] > 0) out.set(value, counts[code]);
  });
  return out;
}

/**
 * PSI and Jensen–Shannon on the reference's decile bins, and the two-sample KS test with its p-value; as
 * computeDrift does against a dataset, the reference is sorted on another core while the current values are sorted.
 */
export function numericDrift(reference: Float64Array, current: Float64Array): Promise<ColumnDrift> {
  return numericDriftOfValues(reference, current, defaultDriftPolicy);
}

/** PSI and Jensen–Shannon over the categories of both sides, chi-square over the reference's categories. */
export function categoricalDrift(reference: Map<string, number>, current: Map<string, number>): ColumnDrift {
  return categoricalColumnDrift({ kind: 'categorical', counts: reference, other: 0 }, current, defaultDriftPolicy);
}
