/**
 * computeDrift's per-column statistics on in-memory Arrow columns: the composition of lib/data/drift.ts
 * (reference deciles, PSI and Jensen–Shannon on the bins, KS with its p-value; PSI, Jensen–Shannon and chi-square
 * on categories) without its file reading, built only from the library's exported kernels.
 */
import type { Vector } from 'apache-arrow';
import { categoricalValues, numericValues } from '../lib/data/columns';
import {
  binCounts,
  chiSquare,
  jensenShannonDistance,
  ksTwoSample,
  populationStabilityIndex,
} from '../lib/data/drift-stats';
import type { KsTwoSampleResult } from '../lib/data/drift-stats';
import { quantile } from '../lib/data/numeric-accumulator';

/** The statistics of one column. */
export interface ColumnStatistics {
  psi: number;
  jsDistance: number;
  ks?: KsTwoSampleResult;
  chiSquare?: { statistic: number | null; pValue: number };
}

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

/** PSI and Jensen–Shannon on the reference's decile bins, and the two-sample KS test with its p-value. */
export function numericDrift(reference: Float64Array, current: Float64Array): ColumnStatistics {
  const sorted = reference.slice().sort();
  const edges = [...new Set(Array.from({ length: 11 }, (_, i) => quantile(sorted, i / 10)))];
  const edgeArray = Float64Array.from(edges.length === 1 ? [edges[0], edges[0]] : edges);
  const expected = binCounts({ values: sorted, edges: edgeArray });
  const observed = binCounts({ values: current, edges: edgeArray });
  return {
    psi: populationStabilityIndex({ reference: expected, current: observed }),
    jsDistance: jensenShannonDistance({ p: expected, q: observed }),
    ks: ksTwoSample({ reference: sorted, current, referenceSorted: true }),
  };
}

/** PSI and Jensen–Shannon over the categories of both sides, chi-square over the reference's categories. */
export function categoricalDrift(reference: Map<string, number>, current: Map<string, number>): ColumnStatistics {
  const categories = [...new Set([...reference.keys(), ...current.keys()])];
  const expectedCounts = categories.map((c) => reference.get(c) ?? 0);
  const observedCounts = categories.map((c) => current.get(c) ?? 0);
  const referenceTotal = expectedCounts.reduce((a, b) => a + b, 0);
  const currentTotal = observedCounts.reduce((a, b) => a + b, 0);
  const unseen = categories.some((_, i) => expectedCounts[i] === 0 && observedCounts[i] > 0);
  let chi: ColumnStatistics['chiSquare'] = { statistic: null, pValue: 0 };
  if (!unseen) {
    const known = categories.map((_, i) => i).filter((i) => expectedCounts[i] > 0);
    const result = chiSquare({
      observed: known.map((i) => observedCounts[i]),
      expected: known.map((i) => (expectedCounts[i] / referenceTotal) * currentTotal),
    });
    chi = { statistic: result.statistic, pValue: result.pValue };
  }
  return {
    psi: populationStabilityIndex({ reference: expectedCounts, current: observedCounts }),
    jsDistance: jensenShannonDistance({ p: expectedCounts, q: observedCounts }),
    chiSquare: chi,
  };
}
