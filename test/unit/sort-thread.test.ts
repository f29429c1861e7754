/** Sorting on another core, and drift against a dataset reference sorted there: the same as sorting here. */
import { numericDrift, numericDriftOfValues, numericReference } from '../../lib/data/drift';
import { defaultDriftPolicy } from '../../lib/data/drift-policy';
import { sortedFloat64 } from '../../lib/data/sort';
import { ASIDE_MIN, sortedFloat64Aside } from '../../lib/data/sort-thread';
import { xorshift } from '../helpers/random';

const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

function sample(n: number, seed: number, shift = 0): Float64Array {
  const next = xorshift(seed);
  return Float64Array.from({ length: n }, () => {
    const u = next();
    // Ties, zeros of both signs and a spread of magnitudes.
    if (u < 0.01) return u < 0.005 ? -0 : 0;
    return shift + (u < 0.2 ? Math.round(u * 50) : Math.tan((u - 0.5) * 3));
  });
}

describe('sorting on another core', () => {
  it('gives the sorted copy a sort here gives, leaving the input as it was, for large and small arrays', async () => {
    for (const n of [ASIDE_MIN + 12_345, 1000]) {
      const values = sample(n, n);
      const before = values.slice();
      const [aside, second] = await Promise.all([sortedFloat64Aside(values), sortedFloat64Aside(sample(n, 7))]);
      expect(same(aside, sortedFloat64(before))).toBe(true);
      expect(same(second, sortedFloat64(sample(n, 7)))).toBe(true);
      expect(same(values, before)).toBe(true);
    }
  });

  it('gives the drift of a reference sorted here', async () => {
    const reference = sample(ASIDE_MIN + 5000, 3);
    const current = sample(ASIDE_MIN + 777, 4, 0.05);
    const aside = await numericDriftOfValues(reference, current, defaultDriftPolicy);
    expect(aside).toEqual(numericDrift(numericReference(reference), current, defaultDriftPolicy));
    expect(aside.ks?.statistic).toBeGreaterThan(0);
  });
});
