import fc from 'fast-check';
import { Dictionary, Float64, Int32, makeData, makeVector, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { ColumnRule, DataContract } from '../../lib/data/contract';
import { NumericAccumulator, sampleRanks } from '../../lib/data/numeric-accumulator';
import { seededRandom } from '../../lib/data/random';
import type { NumericColumnProfile } from '../../lib/data/report';
import { scanTable } from '../../lib/data/scan';

describe('sampleRanks', () => {
  it('draws k distinct ranks below the count, in ascending order, the same for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.nat(), (count, kSeed, seed) => {
        const k = 1 + (kSeed % count);
        const ranks = sampleRanks(count, k, seededRandom(seed))!;
        expect(ranks).toHaveLength(k);
        const ordered = ranks.every(
          (r, i) => Number.isInteger(r) && r >= (i === 0 ? 0 : ranks[i - 1] + 1) && r < count,
        );
        expect(ordered).toBe(true);
        expect(sampleRanks(count, k, seededRandom(seed))).toEqual(ranks);
      }),
      { numRuns: 300 },
    );
  });

  it('picks every rank equally often', () => {
    // 4000 draws of 100 ranks out of 1000: each rank is expected 400 times. Tally by rank modulo 10 and by tenth
    // of the range (40,000 each); a sampler that favours low, high or even ranks moves these by far more than 2%.
    const byTenth = new Array<number>(10).fill(0);
    const byDigit = new Array<number>(10).fill(0);
    const random = seededRandom(11);
    for (let draw = 0; draw < 4000; draw++) {
      for (const rank of sampleRanks(1000, 100, random)!) {
        byTenth[Math.floor(rank / 100)]++;
        byDigit[rank % 10]++;
      }
    }
    for (const tally of [...byTenth, ...byDigit]) expect(Math.abs(tally - 40_000) / 40_000).toBeLessThan(0.02);
  });

  it('picks pairs of neighbouring ranks as often as any pair (no bias against ranks that are close)', () => {
    // Each of the 999 neighbouring pairs is in a draw of 100 ranks out of 1000 with probability 100·99/(1000·999),
    // so 4000 draws hold about 39,600 such pairs. A sampler that spread repeats onto neighbours, or that made
    // distinct ranks by shifting sorted draws, would miss by far more than 3%.
    const random = seededRandom(12);
    let pairs = 0;
    for (let draw = 0; draw < 4000; draw++) {
      const ranks = sampleRanks(1000, 100, random)!;
      for (let i = 1; i < ranks.length; i++) if (ranks[i] === ranks[i - 1] + 1) pairs++;
    }
    expect(Math.abs(pairs - 39_600) / 39_600).toBeLessThan(0.03);
  });

  it('takes all ranks when k equals the count, and leaves counts over 2^28 to the reservoir', () => {
    expect(Array.from(sampleRanks(50, 50, seededRandom(1))!)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(sampleRanks(2 ** 28 + 1, 10, seededRandom(1))).toBeUndefined();
  });
});

/** A float64 column of `rows` rows with value i at row i, null at every row divisible by `nullEvery`. */
function withNulls(rows: number, nullEvery: number): Table {
  return new Table({
    x: vectorFromArray(
      Array.from({ length: rows }, (_, i) => (i % nullEvery === 0 ? null : i)),
      new Float64(),
    ),
  });
}

describe('numeric samples of in-memory tables (ranks drawn up front)', () => {
  it('keeps exactly k distinct non-null values, sorted, and a uniform spread of them', () => {
    const rows = 200_000;
    const profile = scanTable(withNulls(rows, 7), { sampleSize: 5000, seed: 3 }).profile.columns
      .x as NumericColumnProfile;
    expect(profile.sample).toHaveLength(5000);
    expect(new Set(profile.sample).size).toBe(5000);
    for (const v of profile.sample) expect(Number.isInteger(v) && v % 7 !== 0 && v >= 0 && v < rows).toBe(true);
    expect(profile.sample).toEqual([...profile.sample].sort((a, b) => a - b));
    // Each of the four quarters of the rows holds a quarter of the sample (expected 1250, sd about 31).
    for (let q = 0; q < 4; q++) {
      const inQuarter = profile.sample.filter((v) => v >= (q * rows) / 4 && v < ((q + 1) * rows) / 4).length;
      expect(Math.abs(inQuarter - 1250)).toBeLessThan(150);
    }
    const other = scanTable(withNulls(rows, 7), { sampleSize: 5000, seed: 4 }).profile.columns
      .x as NumericColumnProfile;
    expect(other.sample).not.toEqual(profile.sample);
  });

  it.each([
    ['no nulls', 'none'],
    ['Arrow nulls over other values', 'bitmap'],
    ['NaN stored as values', 'nan'],
  ])('takes exactly the values at the drawn ranks: %s', (_, kind) => {
    const rows = 200_000;
    const isNull = (i: number) => kind !== 'none' && (i * 7919) % 23 === 0;
    const values = Float64Array.from({ length: rows }, (_, i) => (isNull(i) ? (kind === 'nan' ? NaN : 12345) : i));
    const bitmap = new Uint8Array(Math.ceil(rows / 8));
    for (let i = 0; i < rows; i++) if (!isNull(i)) bitmap[i >> 3] |= 1 << (i & 7);
    const nullCount = kind === 'bitmap' ? values.filter((_, i) => isNull(i)).length : 0;
    const data = makeData({
      type: new Float64(),
      length: rows,
      nullCount,
      data: values,
      nullBitmap: kind === 'bitmap' ? bitmap : undefined,
    });
    const profile = scanTable(new Table({ x: makeVector(data) }), { sampleSize: 3000, seed: 9 }).profile.columns
      .x as NumericColumnProfile;
    // The oracle: ranks drawn as the scan draws them (seed + column 0, among the values Arrow calls valid),
    // applied to the non-NaN values in row order.
    const valid = Array.from(values).filter((v, i) => (kind === 'bitmap' ? !isNull(i) : v === v));
    const ranks = sampleRanks(rows - nullCount, 3000, seededRandom(9))!;
    const expected = Array.from(ranks)
      .filter((r) => r < valid.length)
      .map((r) => valid[r]);
    expect(profile.sample).toEqual(expected.sort((a, b) => a - b));
    expect(profile.sample).toHaveLength(kind === 'nan' ? expected.length : 3000);
  });

  it('keeps every value when the column holds no more than k', () => {
    const profile = scanTable(withNulls(1000, 3), { sampleSize: 800 }).profile.columns.x as NumericColumnProfile;
    expect(profile.sample).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 3 !== 0));
  });

  it('never samples NaN stored as a value (read as null)', () => {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => (i % 5 === 0 ? NaN : i));
    const table = new Table({ x: makeVector(makeData({ type: new Float64(), length: values.length, data: values })) });
    const profile = scanTable(table, { sampleSize: 1000 }).profile.columns.x as NumericColumnProfile;
    expect(profile.nulls).toBe(2000);
    expect(profile.sample.every((v) => Number.isInteger(v) && v % 5 !== 0)).toBe(true);
    // Ranks are drawn among the 10,000 values Arrow calls valid; those that fall on a NaN are not taken.
    expect(profile.sample.length).toBeGreaterThan(700);
    expect(profile.sample.length).toBeLessThanOrEqual(1000);
  });

  it('refuses a count given after the first value', () => {
    const acc = new NumericAccumulator('x', 'float64', undefined, { sampleSize: 10, seed: 1 });
    acc.add(Float64Array.of(1, 2, 3), 0);
    expect(() => acc.expectValues(3)).toThrow(/before the first value/);
  });
});

describe('float64 columns with nulls, read in place', () => {
  const rows = 200_000;
  const isNull = (i: number) => i % 13 === 5;
  /** Row i holds a value in [1, 2) except at nulls, whose slots hold `fill(i)`; `nanAt` rows hold NaN as a value. */
  function column(fill: (i: number) => number, nanAt: number[] = []): Table {
    const values = Float64Array.from({ length: rows }, (_, i) =>
      isNull(i) ? fill(i) : nanAt.includes(i) ? NaN : 1 + ((i * 7919) % 10007) / 10007,
    );
    const bitmap = new Uint8Array(Math.ceil(rows / 8));
    let nullCount = 0;
    for (let i = 0; i < rows; i++) {
      if (isNull(i)) nullCount++;
      else bitmap[i >> 3] |= 1 << (i & 7);
    }
    return new Table({
      x: makeVector(makeData({ type: new Float64(), length: rows, nullCount, data: values, nullBitmap: bitmap })),
    });
  }
  /** The column's figures computed row by row: what every way of reading it must give. */
  function oracle(table: Table) {
    const data = table.getChild('x')!.data[0];
    const values = data.values as Float64Array;
    const valid: number[] = [];
    const nullRows: number[] = [];
    for (let i = 0; i < rows; i++) {
      if (data.getValid(i) && values[i] === values[i]) valid.push(values[i]);
      else nullRows.push(i);
    }
    const mean = valid.reduce((a, b) => a + b, 0) / valid.length;
    const variance = valid.reduce((a, b) => a + (b - mean) ** 2, 0) / (valid.length - 1);
    const min = valid.reduce((a, b) => (b < a ? b : a), Infinity);
    const max = valid.reduce((a, b) => (b > a ? b : a), -Infinity);
    return { valid, nullRows, mean, std: Math.sqrt(variance), min, max };
  }

  it.each([
    ['0 (inside the range)', () => 0.5 + 1],
    ['NaN', () => NaN],
    ['values far out of range', (i: number) => (i % 2 ? 1e300 : -1e300)],
    ['the column minimum itself', () => 1],
    ['values below the minimum', () => -3],
  ])('gives the figures of the valid values whatever the null slots hold: %s', (_, fill) => {
    const table = column(fill);
    const { valid, nullRows, mean, std, min, max } = oracle(table);
    const contract: DataContract = { columns: { x: { type: 'float64', min: 0, max: 10, maxNullFraction: 0.01 } } };
    const { profile, validation } = scanTable(table, { contract, sampleSize: 2000, seed: 5 });
    const x = profile.columns.x as NumericColumnProfile;
    expect(x.count).toBe(valid.length);
    expect(x.nulls).toBe(nullRows.length);
    expect(x.min).toBe(min);
    expect(x.max).toBe(max);
    expect(x.mean).toBeCloseTo(mean, 12);
    expect(x.std).toBeCloseTo(std, 12);
    expect(x.sample).toHaveLength(2000);
    const allowed = new Set(valid);
    expect(x.sample.every((v) => allowed.has(v))).toBe(true);
    // A null slot's value is never checked against the bounds; the null share is.
    expect(validation!.failures.map((f) => [f.check, f.count, f.sampleRows])).toEqual([
      ['maxNullFraction', nullRows.length, nullRows.slice(0, 5)],
    ]);
  });

  it('reads NaN stored in a valid slot as a null, as the copy does', () => {
    const table = column(() => 1.5, [7, 100_000, 199_999]);
    const { valid, nullRows, mean } = oracle(table);
    const x = scanTable(table, { sampleSize: 500 }).profile.columns.x as NumericColumnProfile;
    expect(x.nulls).toBe(nullRows.length);
    expect(x.count).toBe(valid.length);
    expect(x.mean).toBeCloseTo(mean, 12);
    expect(x.sample.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('counts valid values outside the bounds, never a null slot', () => {
    const table = column(() => -50);
    const contract: DataContract = { columns: { x: { type: 'float64', min: 1.5 } } };
    const { valid } = oracle(table);
    const below = valid.filter((v) => v < 1.5).length;
    const failure = scanTable(table, { contract, sampleSize: 100 }).validation!.failures[0];
    expect(failure).toMatchObject({ check: 'min', count: below });
    expect(failure.sampleRows.every((row) => !isNull(row))).toBe(true);
  });
});

describe('histogram and decile bins of the sorted sample', () => {
  /** The bins computed value by value, as a reader of the profile would define them. */
  function byValue(sorted: number[], bins: number) {
    const lo = sorted[0];
    const hi = sorted[sorted.length - 1];
    const width = hi > lo ? (hi - lo) / bins : 1;
    const counts = new Array<number>(bins).fill(0);
    for (const v of sorted) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    const q = (p: number) => {
      const pos = p * (sorted.length - 1);
      const i = Math.floor(pos);
      const j = Math.min(i + 1, sorted.length - 1);
      return sorted[i] + (sorted[j] - sorted[i]) * (pos - i);
    };
    const edges = [...new Set(Array.from({ length: 11 }, (_, i) => q(i / 10)))];
    const inBin = new Array<number>(Math.max(1, edges.length - 1)).fill(0);
    for (const v of sorted) {
      let bin = 0;
      while (bin < inBin.length - 1 && v >= edges[bin + 1]) bin++;
      inBin[bin]++;
    }
    return { counts, proportions: inBin.map((c) => c / sorted.length) };
  }

  it('count every value in the bin its own value falls in, ties and skew included', () => {
    const value = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.constant(0.1 + 0.2),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 400 }), fc.integer({ min: 1, max: 30 }), (raw, bins) => {
        const acc = new NumericAccumulator('x', 'float64', undefined, {
          sampleSize: 1000,
          seed: 1,
          histogramBins: bins,
        });
        acc.add(Float64Array.from(raw), 0);
        const { profile } = acc.finish(raw.length);
        const sorted = [...raw].sort((a, b) => a - b);
        const expected = byValue(sorted, bins);
        expect(profile.histogram.counts).toEqual(expected.counts);
        if (new Set(sorted).size > 1) expect(profile.bins.proportions).toEqual(expected.proportions);
      }),
      { numRuns: 400 },
    );
  });
});

describe('bound checks from chunk minima and maxima', () => {
  it('counts values outside the bounds in any chunk, with their first rows, and never a null', () => {
    const rows = 300_000;
    const below = [70_000, 70_001, 140_000];
    const above = [5, 299_999];
    const values = Float64Array.from({ length: rows }, (_, i) =>
      below.includes(i) ? -5 : above.includes(i) ? 500 : i % 11 === 0 ? NaN : (i % 100) + 0.5,
    );
    const table = new Table({ v: makeVector(values) });
    const contract: DataContract = { columns: { v: { type: 'float64', min: 0, max: 100 } } };
    const { validation, profile } = scanTable(table, { contract, sampleSize: 100 });
    expect(validation!.failures.map(({ check, count, sampleRows }) => ({ check, count, sampleRows }))).toEqual([
      { check: 'min', count: 3, sampleRows: below },
      { check: 'max', count: 2, sampleRows: above },
    ]);
    expect(profile.columns.v).toMatchObject({ min: -5, max: 500 });
  });
});

describe('dictionary-encoded categorical columns', () => {
  const values = Array.from({ length: 3000 }, (_, i) =>
    i % 97 === 0 ? null : i % 61 === 0 ? 'zzz' : ['a', 'b', 'c', 'd'][(i * i) % 4],
  );
  const plain = new Table({ c: vectorFromArray(values, new Utf8()) });
  const encoded = new Table({ c: vectorFromArray(values, new Dictionary(new Utf8(), new Int32())) });

  const rules: [string, ColumnRule][] = [
    ['allowedValues and nullable', { type: 'string', allowedValues: ['a', 'b', 'c', 'd'], nullable: false }],
    ['unique (counted row by row)', { type: 'string', unique: true }],
    ['maxNullFraction', { type: 'string', maxNullFraction: 0.001 }],
  ];
  it.each(rules)('give the profile and failures of the same strings, %s', (_, rule) => {
    const contract: DataContract = { columns: { c: rule } };
    expect(encoded.getChild('c')!.data[0].dictionary).toBeDefined();
    for (const [a, b] of [
      [encoded, plain],
      [encoded.slice(7, 2900), plain.slice(7, 2900)],
    ]) {
      const got = scanTable(a, { contract });
      const expected = scanTable(b, { contract });
      expect(got.profile).toEqual(expected.profile);
      expect(got.validation).toEqual(expected.validation);
      expect(got.validation!.valid).toBe(false);
    }
  });
});
