import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  binCounts,
  chiSquare,
  defaultDriftThresholds,
  jensenShannonDistance,
  ksTwoSample,
  ksTwoSamplePValue,
  populationStabilityIndex,
} from '../../lib/data/drift-stats';

/** test/fixtures/drift/cases.json, written by make_expected.py from SciPy. */
interface DriftFixtures {
  versions: { scipy: string; numpy: string };
  ks: { name: string; reference: number[]; current: number[]; statistic: number; pValue: number; method: string }[];
  ksExactGrid: { n1: number; n2: number; statistic: number; pValue: number }[];
  ksAsymptoticGrid: { n1: number; n2: number; statistic: number; pValue: number }[];
  chiSquare: {
    name: string;
    observed: number[];
    expected: number[];
    statistic: number;
    pValue: number;
    degreesOfFreedom: number;
  }[];
  psi: { name: string; reference: number[]; current: number[]; epsilon?: number; psi: number }[];
  jensenShannon: { name: string; p: number[]; q: number[]; distance: number }[];
  binCounts: { values: number[]; edges: number[]; counts: number[] };
}

const fixtures = JSON.parse(readFileSync(join(__dirname, '../fixtures/drift/cases.json'), 'utf8')) as DriftFixtures;

/** |actual − expected| within an absolute bound and, for p-values far from underflow, a relative one. */
function expectClose(actual: number, expected: number, abs: number, rel = Infinity): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(abs);
  if (expected > 1e-300) expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(rel);
}

/** max |F_a(x) − F_b(x)| over every sample point, straight from the definition. */
function bruteForceKs(a: number[], b: number[]): number {
  const ecdf = (s: number[], x: number): number => s.filter((v) => v <= x).length / s.length;
  return Math.max(...[...a, ...b].map((x) => Math.abs(ecdf(a, x) - ecdf(b, x))));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Share of all C(m+n, m) merge orders whose KS statistic reaches h/lcm, by enumerating them. */
function bruteForceKsPValue(m: number, n: number, statistic: number): number {
  let reached = 0;
  let total = 0;
  const walk = (x: number, y: number, peak: number): void => {
    const gap = Math.max(peak, Math.abs(x * n - y * m));
    if (x === m && y === n) {
      total++;
      if (gap >= Math.round(statistic * m * n)) reached++;
      return;
    }
    if (x < m) walk(x + 1, y, gap);
    if (y < n) walk(x, y + 1, gap);
  };
  walk(0, 0, 0);
  return reached / total;
}

describe('fixtures', () => {
  it('record the SciPy and numpy versions they came from', () => {
    expect(fixtures.versions.scipy).toMatch(/^\d+\.\d+/);
    expect(fixtures.versions.numpy).toMatch(/^\d+\.\d+/);
  });
});

describe('ksTwoSample against scipy.stats.ks_2samp', () => {
  it.each(fixtures.ks.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = ksTwoSample({ reference: Float64Array.from(c.reference), current: Float64Array.from(c.current) });
    expect(result.method).toBe(c.method);
    expectClose(result.statistic, c.statistic, 1e-9);
    // Measured agreement is about 1e-16 absolute on both paths; the bound leaves room for other libm builds.
    expectClose(result.pValue, c.pValue, 1e-12, 1e-9);
  });

  it('gives the exact two-sided p-value on a grid of sizes and statistics (n1 = n2 included)', () => {
    for (const row of fixtures.ksExactGrid) {
      const result = ksTwoSamplePValue(row);
      expect(result.method).toBe('exact');
      // Measured: within 2e-14 absolute and relative.
      expectClose(result.pValue, row.pValue, 1e-12, 1e-9);
    }
  });

  it('gives kstwo.sf(d, round(n1·n2/(n1+n2))) on the asymptotic grid, across all of its regions', () => {
    for (const row of fixtures.ksAsymptoticGrid) {
      const result = ksTwoSamplePValue(row);
      expect(result.method).toBe('asymptotic');
      // Measured: within 1.2e-13 absolute; relative 2e-10 where SciPy uses Pomeranz and this uses Durbin's matrix.
      expectClose(result.pValue, row.pValue, 1e-12, 1e-8);
    }
  });
});

describe('ksTwoSample', () => {
  const sample = fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 1, maxLength: 40 });

  it('matches the ECDF definition, ties included', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const { statistic } = ksTwoSample({ reference: Float64Array.from(a), current: Float64Array.from(b) });
        expect(Math.abs(statistic - bruteForceKs(a, b))).toBeLessThanOrEqual(1e-12);
      }),
    );
  });

  it('keeps the statistic in [0, 1] and is symmetric in the two samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 1 }), sample, (a, b) => {
        const forward = ksTwoSample({ reference: Float64Array.from(a), current: Float64Array.from(b) });
        const backward = ksTwoSample({ reference: Float64Array.from(b), current: Float64Array.from(a) });
        expect(forward.statistic).toBeGreaterThanOrEqual(0);
        expect(forward.statistic).toBeLessThanOrEqual(1);
        expect(backward).toEqual(forward);
      }),
    );
  });

  it('gives 0 and p-value 1 for identical samples', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 1 }), (a) => {
        const result = ksTwoSample({ reference: Float64Array.from(a), current: Float64Array.from(a).reverse() });
        expect(result).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
      }),
    );
  });

  it('agrees with enumerating every merge order for small samples', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.nat(), (m, n, pick) => {
        const lcm = (m * n) / gcd(m, n); // attainable statistics are the multiples of 1/lcm
        const statistic = ((pick % lcm) + 1) / lcm;
        const { pValue } = ksTwoSamplePValue({ n1: m, n2: n, statistic });
        expect(Math.abs(pValue - bruteForceKsPValue(m, n, statistic))).toBeLessThanOrEqual(1e-12);
      }),
    );
  });

  it('uses sorted inputs in place and leaves unsorted inputs untouched', () => {
    const reference = Float64Array.from([3, 1, 2, 5]);
    const current = Float64Array.from([4, 0, 2]);
    const unsorted = ksTwoSample({ reference, current });
    expect(Array.from(reference)).toEqual([3, 1, 2, 5]);
    const sorted = ksTwoSample({
      reference: Float64Array.from([1, 2, 3, 5]),
      current: Float64Array.from([0, 2, 4]),
      referenceSorted: true,
      currentSorted: true,
    });
    expect(sorted).toEqual(unsorted);
    expect(sorted.statistic).toBeCloseTo(1 / 3, 15); // at x = 0: F_ref = 0, F_cur = 1/3
  });

  it('rejects empty samples and NaN', () => {
    expect(() => ksTwoSample({ reference: new Float64Array(0), current: Float64Array.from([1]) })).toThrow(RangeError);
    expect(() => ksTwoSample({ reference: Float64Array.from([1]), current: new Float64Array(0) })).toThrow(RangeError);
    expect(() => ksTwoSample({ reference: Float64Array.from([1, NaN, 2]), current: Float64Array.from([1]) })).toThrow(
      /NaN/,
    );
  });
});

describe('chiSquare against scipy.stats.chisquare', () => {
  it.each(fixtures.chiSquare.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = chiSquare(c);
    expect(result.degreesOfFreedom).toBe(c.degreesOfFreedom);
    expectClose(result.statistic, c.statistic, Infinity, 1e-9);
    // Measured: within 3e-14 absolute and 4e-13 relative, down to p = 1e-237.
    expectClose(result.pValue, c.pValue, 1e-9, 1e-9);
  });
});

describe('chiSquare', () => {
  it('gives Infinity and p-value 0 when an impossible category is observed', () => {
    expect(chiSquare({ observed: [5, 5, 1], expected: [5.5, 5.5, 0] })).toEqual({
      statistic: Infinity,
      pValue: 0,
      degreesOfFreedom: 2,
    });
  });

  it('drops categories that are empty in both', () => {
    const withEmpty = chiSquare({ observed: [10, 0, 20, 30], expected: [15, 0, 15, 30] });
    const without = chiSquare({ observed: [10, 20, 30], expected: [15, 15, 30] });
    expect(withEmpty).toEqual(without);
    expect(without.degreesOfFreedom).toBe(2);
  });

  it('keeps p-values in [0, 1] and lowers them as the statistic grows, for any degrees of freedom', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 600 }), (dof, shift) => {
        const expected = new Array<number>(dof + 1).fill(1000);
        const pValueAt = (s: number): number => {
          const observed = [...expected];
          observed[0] += s;
          observed[1] -= s;
          return chiSquare({ observed, expected }).pValue;
        };
        const low = pValueAt(shift); // statistic 2·shift²/1000 ≤ 722, so p stays above underflow
        expect(low).toBeGreaterThanOrEqual(0);
        expect(low).toBeLessThanOrEqual(1);
        const next = pValueAt(shift + 1);
        expect(next).toBeLessThanOrEqual(low);
        // Near p = 1 the change is below double resolution (Q(5, 0.001) = 1 − 8e-18); elsewhere it must show.
        if (low < 0.99) expect(next).toBeLessThan(low);
      }),
    );
  });

  it('rejects totals that disagree, mismatched lengths and negative counts', () => {
    expect(() => chiSquare({ observed: [10, 10], expected: [10, 11] })).toThrow(RangeError);
    expect(() => chiSquare({ observed: [10, 10], expected: [20] })).toThrow(RangeError);
    expect(() => chiSquare({ observed: [-1, 21], expected: [10, 10] })).toThrow(RangeError);
    expect(() => chiSquare({ observed: [10, 0], expected: [10, 0] })).toThrow(RangeError);
  });
});

describe('populationStabilityIndex', () => {
  it.each(fixtures.psi.map((c) => [c.name, c] as const))('matches numpy on %s', (_name, c) => {
    expectClose(populationStabilityIndex(c), c.psi, 1e-12);
  });

  it('is never negative and is 0 for proportional inputs', () => {
    const counts = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(counts, counts, (a, b) => {
        const n = Math.min(a.length, b.length);
        const reference = [...a.slice(0, n - 1), a[n - 1] + 1];
        const current = [...b.slice(0, n - 1), b[n - 1] + 1];
        expect(populationStabilityIndex({ reference, current })).toBeGreaterThanOrEqual(0);
        expect(populationStabilityIndex({ reference, current: reference.map((v) => v * 3) })).toBeCloseTo(0, 14);
      }),
    );
  });

  it('rejects empty totals and a bad epsilon', () => {
    expect(() => populationStabilityIndex({ reference: [0, 0], current: [1, 1] })).toThrow(RangeError);
    expect(() => populationStabilityIndex({ reference: [1, 1], current: [1, 1], epsilon: 0 })).toThrow(RangeError);
  });
});

describe('jensenShannonDistance', () => {
  it.each(fixtures.jensenShannon.map((c) => [c.name, c] as const))('matches scipy on %s', (_name, c) => {
    expectClose(jensenShannonDistance(c), c.distance, 1e-9);
  });

  it('lies in [0, 1], is symmetric and is 0 for identical distributions', () => {
    const counts = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(counts, counts, (a, b) => {
        const n = Math.min(a.length, b.length);
        const p = [...a.slice(0, n - 1), a[n - 1] + 1];
        const q = [...b.slice(0, n - 1), b[n - 1] + 1];
        const distance = jensenShannonDistance({ p, q });
        expect(distance).toBeGreaterThanOrEqual(0);
        expect(distance).toBeLessThanOrEqual(1);
        expect(jensenShannonDistance({ p: q, q: p })).toBeCloseTo(distance, 12);
        expect(jensenShannonDistance({ p, q: p.map((v) => v * 7) })).toBeCloseTo(0, 7);
      }),
    );
  });

  it('rejects distributions over different categories', () => {
    expect(() => jensenShannonDistance({ p: [1, 2], q: [1, 2, 3] })).toThrow(RangeError);
  });
});

describe('binCounts', () => {
  it('matches numpy.histogram of the clipped values', () => {
    const { values, edges, counts } = fixtures.binCounts;
    const result = binCounts({ values: Float64Array.from(values), edges: Float64Array.from(edges) });
    expect(Array.from(result)).toEqual(counts);
  });

  it('clamps out-of-range values, closes the last bin and skips NaN', () => {
    const edges = Float64Array.from([0, 1, 2]);
    const values = Float64Array.from([-5, 0, 0.5, 1, 2, 9, NaN]);
    expect(Array.from(binCounts({ values, edges }))).toEqual([3, 3]);
  });

  it('counts every non-NaN value once, in the bin a linear scan picks', () => {
    const finite = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(finite, fc.constant(NaN)), { maxLength: 200 }),
        fc.uniqueArray(finite, { minLength: 2, maxLength: 12 }),
        (values, rawEdges) => {
          const edges = Float64Array.from(rawEdges).sort();
          const counts = binCounts({ values: Float64Array.from(values), edges });
          const present = values.filter((v) => !Number.isNaN(v));
          expect(counts.reduce((s, c) => s + c, 0)).toBe(present.length);
          const expected = new Array<number>(edges.length - 1).fill(0);
          for (const v of present) {
            let bin = 0;
            while (bin < edges.length - 2 && v >= edges[bin + 1]) bin++;
            expected[bin]++;
          }
          expect(Array.from(counts)).toEqual(expected);
        },
      ),
    );
  });

  it('rejects unsorted edges', () => {
    expect(() => binCounts({ values: new Float64Array(1), edges: Float64Array.from([0, 2, 1]) })).toThrow(RangeError);
  });
});

describe('defaultDriftThresholds', () => {
  it('holds the conventional values', () => {
    expect(defaultDriftThresholds).toEqual({ psi: 0.2, ksPValue: 0.05, jsDistance: 0.1, chiSquarePValue: 0.05 });
  });
});
