import { Table, tableFromArrays, Utf8, vectorFromArray } from 'apache-arrow';
import { scanTable } from '../../lib/data/scan';
import type { CategoricalColumnProfile, NumericColumnProfile } from '../../lib/data/report';
import { quantile } from '../../lib/data/numeric-accumulator';
import { TOP_K } from '../../lib/data/categorical-accumulator';

function numeric(table: Table, name: string, sampleSize = 100_000, seed = 42): NumericColumnProfile {
  return scanTable(table, { sampleSize, seed }).profile.columns[name] as NumericColumnProfile;
}

describe('profiles', () => {
  it('computes count, nulls, mean, std (n-1), min, max and exact quantiles for small columns', () => {
    const values = [4, 8, 15, 16, 23, 42, null];
    const p = numeric(new Table({ x: vectorFromArray(values) }), 'x');
    const xs = [4, 8, 15, 16, 23, 42];
    const mean = xs.reduce((a, b) => a + b, 0) / 6;
    const std = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / 5);
    expect(p).toMatchObject({ kind: 'numeric', count: 6, nulls: 1, min: 4, max: 42 });
    expect(p.mean).toBeCloseTo(mean, 12);
    expect(p.std).toBeCloseTo(std, 12);
    expect(p.quantiles.p50).toBeCloseTo(15.5, 12); // numpy.percentile(xs, 50)
    expect(p.quantiles.p25).toBeCloseTo(9.75, 12);
    expect(p.sample).toEqual(xs);
    expect(p.histogram.counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(p.bins.proportions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('keeps the moments exact over many batches and a bounded, seeded sample', () => {
    const n = 250_000;
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 10 + 3);
    const table = tableFromArrays({ x: values });
    const p = numeric(table, 'x', 1000, 7);
    const mean = values.reduce((a, b) => a + b, 0) / n;
    expect(p.mean).toBeCloseTo(mean, 9);
    expect(p.sample).toHaveLength(1000);
    expect(p.sample).toEqual([...p.sample].sort((a, b) => a - b));
    expect(numeric(table, 'x', 1000, 7).sample).toEqual(p.sample);
    expect(numeric(table, 'x', 1000, 8).sample).not.toEqual(p.sample);
    // A uniform sample's median is close to the column's.
    const sorted = values.slice().sort();
    expect(Math.abs(p.quantiles.p50 - quantile(sorted, 0.5))).toBeLessThan(1);
  });

  it('profiles categorical columns as top values plus other', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i < 100 ? 'a' : i < 150 ? 'b' : `v${i}`));
    values.push(null as unknown as string);
    const p = scanTable(new Table({ c: vectorFromArray(values, new Utf8()) })).profile.columns
      .c as CategoricalColumnProfile;
    expect(p).toMatchObject({ kind: 'categorical', count: 200, nulls: 1, distinct: 52 });
    expect(p.top.slice(0, 2)).toEqual([
      { value: 'a', count: 100 },
      { value: 'b', count: 50 },
    ]);
    expect(p.top).toHaveLength(TOP_K);
    expect(p.otherCount).toBe(200 - p.top.reduce((s, t) => s + t.count, 0));
  });
});
