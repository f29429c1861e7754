import fc from 'fast-check';
import { binCounts, binCountsSorted } from '../../lib/data/drift-stats';
import { sortedFloat64, sortFloat64 } from '../../lib/data/sort';

const same = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** Arrays long enough for the distribution and radix paths (the built-in sort serves short ones). */
const longDoubles = (values: fc.Arbitrary<number>) =>
  fc
    .tuple(fc.array(values, { minLength: 1, maxLength: 64 }), fc.integer({ min: 2048, max: 20000 }), fc.nat())
    .map(([pool, length, seed]) => {
      const out = new Float64Array(length);
      let state = seed;
      for (let i = 0; i < length; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        out[i] = state % 3 === 0 ? pool[state % pool.length] : (state / 2 ** 32 - 0.5) * pool[i % pool.length];
      }
      return out;
    });

describe('sortedFloat64', () => {
  it('gives the order of Float64Array.prototype.sort in a new array and leaves its input as it was', () => {
    const columns = [
      fc.double(),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.integer({ min: -5, max: 120 }),
      fc.constantFrom(0, -0, Number.NaN, 2.5),
      fc.float({ noNaN: true, noDefaultInfinity: true }),
    ];
    for (const column of columns) {
      fc.assert(
        fc.property(longDoubles(column), (values) => {
          const before = values.slice();
          const sorted = sortedFloat64(values);
          expect(sorted).not.toBe(values);
          expect(same(sorted, values.slice().sort())).toBe(true);
          expect(same(values, before)).toBe(true);
        }),
        { numRuns: 25 },
      );
    }
    expect(same(sortedFloat64(Float64Array.of(3, -0, 0, Number.NaN)), Float64Array.of(-0, 0, 3, Number.NaN))).toBe(
      true,
    );
  });
});

describe('sortFloat64', () => {
  it('orders exactly as Float64Array.prototype.sort, NaN, -0 and infinities included', () => {
    fc.assert(
      fc.property(longDoubles(fc.double()), (values) => {
        expect(same(sortFloat64(values.slice()), values.slice().sort())).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('orders finite, integer, float32 and heavily skewed columns as the built-in sort does', () => {
    const columns = [
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.integer({ min: -5, max: 120 }),
      fc.float({ noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
    ];
    for (const column of columns) {
      fc.assert(
        fc.property(longDoubles(column), (values) => {
          expect(same(sortFloat64(values.slice()), values.slice().sort())).toBe(true);
        }),
        { numRuns: 25 },
      );
    }
  });

  it('orders a float32 column longer than the three-pass radix takes (two 16-bit passes)', () => {
    let state = 9;
    const values = Float64Array.from({ length: 70000 }, () => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state % 11 === 0 ? Number.NaN : Math.fround((state / 2 ** 32 - 0.3) * 1e4);
    });
    expect(same(sortFloat64(values.slice()), values.slice().sort())).toBe(true);
  });

  it('keeps -0 before +0 among many zeros', () => {
    const values = Float64Array.from({ length: 10000 }, (_, i) => [0, -0, 1, -1, Number.NaN, 0.5][i % 6]);
    expect(same(sortFloat64(values.slice()), values.slice().sort())).toBe(true);
  });
});

describe('binCountsSorted', () => {
  it('counts as binCounts does on the same sorted values, with repeated edges and values on the edges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: -25, max: 25 }), { minLength: 2, maxLength: 12 }),
        (values, edges) => {
          const sorted = Float64Array.from(values).sort();
          const e = Float64Array.from(edges).sort();
          expect(Array.from(binCountsSorted({ values: sorted, edges: e }))).toEqual(
            Array.from(binCounts({ values: sorted, edges: e })),
          );
        },
      ),
    );
  });
});
