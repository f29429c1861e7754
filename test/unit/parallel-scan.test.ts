import {
  Bool,
  DateDay,
  Dictionary,
  Float32,
  Float64,
  Int32,
  Table,
  TimeMillisecond,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { createHash } from 'node:crypto';
import type { DataContract } from '../../lib/data/contract';
import { generateTable } from '../../lib/data/generate';
import { closeScanWorkers, columnOrder, scanTableParallel, shareTable } from '../../lib/data/parallel-scan';
import { scanTable } from '../../lib/data/scan';
import { DomainError } from '../../lib/errors';

afterAll(() => closeScanWorkers());

type ScanResult = ReturnType<typeof scanTable>;

/**
 * The result with each profile's sample (up to 100k numbers) replaced by a digest of its exact bits, so that
 * a mismatch prints a readable diff instead of two huge arrays. Everything else is kept as it is, in its order.
 */
function comparable(result: ScanResult): unknown {
  const columns = Object.entries(result.profile.columns).map(([name, profile]) => {
    if (profile.kind !== 'numeric') return [name, profile];
    const bits = Buffer.from(Float64Array.from(profile.sample).buffer);
    return [name, { ...profile, sample: createHash('sha256').update(bits).digest('hex') }];
  });
  return { ...result, profile: { ...result.profile, columns: Object.fromEntries(columns) } };
}

/** Asserts bit-identical results (samples by digest), and the same key order in the report's JSON. */
function expectSameScan(actual: ScanResult, expected: ScanResult): void {
  expect(comparable(actual)).toEqual(comparable(expected));
  expect(JSON.stringify(comparable(actual))).toBe(JSON.stringify(comparable(expected)));
}

/** Fails every kind of check: dataset-level, type, and each value rule. */
const failingContract: DataContract = {
  columns: {
    f0: { type: 'float64', min: -1, max: 1.5 },
    f1: { type: 'float64', nullable: false },
    f2: { type: 'float64', maxNullFraction: 0.001 },
    f7: { type: 'string' },
    tenure: { type: 'float64', min: 1, max: 100, unique: true },
    segment: { type: 'string', allowedValues: ['consumer', 'enterprise'], nullable: false },
    label: { type: 'int64', allowedValues: [0] },
    customer_id: { type: 'int64' },
    region: { type: 'string', required: false },
  },
  rows: { min: 1_000_000 },
  allowExtraColumns: false,
};

describe('scanTableParallel', () => {
  const table = generateTable({ rows: 300_000, seed: 11 });
  const serial = scanTable(table, { contract: failingContract });

  it('uses a contract that fails every kind of check', () => {
    const checks = new Set(serial.validation?.failures.map((f) => f.check));
    for (const check of [
      'required',
      'allowExtraColumns',
      'rows.min',
      'type',
      'min',
      'max',
      'nullable',
      'maxNullFraction',
      'allowedValues',
      'unique',
    ]) {
      expect(checks).toContain(check);
    }
  });

  it.each([1, 2, 3])('equals scanTable on a generated table with %i thread(s)', async (threads) => {
    const parallel = await scanTableParallel(table, { contract: failingContract, threads });
    expectSameScan(parallel, serial);
  });

  it('equals scanTable without a contract, with its own sample size and seed', async () => {
    const options = { sampleSize: 2000, seed: 5 };
    const parallel = await scanTableParallel(table, { ...options, threads: 2 });
    expect(parallel.validation).toBeUndefined();
    expectSameScan(parallel, scanTable(table, options));
  });

  it('equals scanTable over many sliced batches of every column type, nulls included', async () => {
    const types = { seg: new Dictionary(new Utf8(), new Int32()) };
    const chunk = (seed: number, n: number): Table => {
      const at = (i: number) => (i * 7919 + seed * 104729) % 1000;
      const maybe = <T>(i: number, value: T): T | null => (at(i) % 13 === 0 ? null : value);
      const list = <T>(f: (i: number) => T) => Array.from({ length: n }, (_, i) => f(i));
      return new Table({
        x: vectorFromArray(
          list((i) => maybe(i, at(i) / 10 - 50)),
          new Float64(),
        ),
        n32: vectorFromArray(
          list((i) => maybe(i, at(i) - 500)),
          new Int32(),
        ),
        f32: vectorFromArray(
          list((i) => at(i) / 4),
          new Float32(),
        ),
        flag: vectorFromArray(
          list((i) => maybe(i, at(i) % 3 === 0)),
          new Bool(),
        ),
        city: vectorFromArray(
          list((i) => maybe(i, `city-${at(i) % 17}`)),
          new Utf8(),
        ),
        seg: vectorFromArray(
          list((i) => maybe(i, ['b', 'a', 'c', 'd'][(at(i) + seed) % 4])),
          types.seg,
        ),
        ts: vectorFromArray(
          list((i) => maybe(i, 1_700_000_000_000 + at(i) * 60_000)),
          new TimestampMillisecond(),
        ),
        day: vectorFromArray(
          list((i) => 19_000 + (at(i) % 400)),
          new DateDay(),
        ),
        // A type the scan reads as strings: it crosses to the workers as dictionary codes.
        time: vectorFromArray(
          list((i) => maybe(i, at(i) * 1000)),
          new TimeMillisecond(),
        ),
      });
    };
    const whole = new Table(
      [chunk(1, 30_000), chunk(2, 1), chunk(3, 45_000), chunk(4, 20_000)].flatMap((t) => t.batches),
    );
    const sliced = whole.slice(1234, 90_000);
    expect(sliced.batches.length).toBeGreaterThan(2);
    const contract: DataContract = {
      columns: {
        x: { type: 'float64', min: -40, maxNullFraction: 0.01 },
        n32: { type: 'int64', max: 400, unique: true },
        flag: { type: 'bool', allowedValues: [true], nullable: false },
        city: { type: 'string', allowedValues: ['city-1', 'city-2'] },
        seg: { type: 'string', allowedValues: ['a', 'b'] },
        ts: { type: 'timestamp', min: '2023-11-14T23:00:00Z' },
        day: { type: 'int64' },
        time: { type: 'string', unique: true },
      },
    };
    const options = { contract, sampleSize: 500, seed: 3 };
    const serialSliced = scanTable(sliced, options);
    expect(serialSliced.validation?.failures.length).toBeGreaterThan(8);
    const bytesOfX = (t: Table) =>
      t.batches.map((b) => {
        const { values } = b.getChild('x')!.data[0];
        return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex');
      });
    const before = bytesOfX(sliced);
    // The builder leaves numbers, not NaN, under x's nulls: a worker writing NaN there would show in the bytes.
    const x = sliced.batches[0].getChild('x')!.data[0];
    const firstNull = Array.from({ length: x.length }, (_, i) => i).find((i) => !x.getValid(i))!;
    expect(Number.isNaN(x.values[firstNull])).toBe(false);
    for (const threads of [1, 2, 4]) {
      expectSameScan(await scanTableParallel(sliced, { ...options, threads }), serialSliced);
    }
    // Workers write NaN into their own copies only, never into the caller's memory, shared or not.
    const sharedTable = shareTable(sliced);
    expect(sharedTable.batches[0].getChild('x')!.data[0].values.buffer).toBeInstanceOf(SharedArrayBuffer);
    expectSameScan(await scanTableParallel(sharedTable, { ...options, threads: 2 }), serialSliced);
    expect(bytesOfX(sliced)).toEqual(before);
    expect(bytesOfX(sharedTable)).toEqual(before);
  });

  it('equals scanTable on a batch without rows', async () => {
    const empty = new Table({ x: vectorFromArray([], new Float64()) });
    const contract: DataContract = { columns: { x: { type: 'float64' }, y: { type: 'int64' } }, rows: { min: 1 } };
    const parallel = await scanTableParallel(empty, { contract, threads: 2 });
    expect(parallel.validation?.failures.map((f) => f.check)).toEqual(['required', 'rows.min']);
    expectSameScan(parallel, scanTable(empty, { contract }));
  });

  it('rejects a thread count that is not a whole number >= 1', async () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      await expect(scanTableParallel(table, { threads })).rejects.toThrow(DomainError);
    }
  });
});

describe('columnOrder', () => {
  it('puts the costliest columns first, ties in schema order', () => {
    expect(columnOrder([3, 13, 3, 0.9, 13, 10])).toEqual([1, 4, 5, 0, 2, 3]);
    expect(columnOrder([])).toEqual([]);
  });
});
