import fc from 'fast-check';
import { tableFromArrays, vectorFromArray, Utf8, Table } from 'apache-arrow';
import { parseContract } from '../../lib/data/contract';
import type { DataContract } from '../../lib/data/contract';
import { scanDataset, scanTable } from '../../lib/data/scan';
import { tempDir } from '../helpers/temporal';
import { writeFixture } from '../helpers/data';

function failures(table: Table, contract: DataContract) {
  return scanTable(table, { contract, sampleSize: 1000 }).validation!.failures.map(
    ({ column, check, count, sampleRows }) => ({
      column,
      check,
      count,
      sampleRows,
    }),
  );
}

const people = () =>
  new Table({
    id: vectorFromArray(['a', 'b', 'c', 'b', 'e', 'f'], new Utf8()),
    age: vectorFromArray([30, -1, null, 130, 45, 50]),
    city: vectorFromArray(['oslo', 'rome', 'oslo', null, 'lima', 'oslo'], new Utf8()),
  });

describe('validation against a data contract', () => {
  it('passes a dataset that keeps every rule', () => {
    const contract = parseContract({
      columns: { id: { type: 'string' }, age: { type: 'float64' }, city: { type: 'string' } },
    });
    expect(scanTable(people(), { contract }).validation).toEqual({ valid: true, rows: 6, failures: [] });
  });

  it.each([
    ['min', { age: { type: 'float64', min: 0 } }, [{ column: 'age', check: 'min', count: 1, sampleRows: [1] }]],
    ['max', { age: { type: 'float64', max: 120 } }, [{ column: 'age', check: 'max', count: 1, sampleRows: [3] }]],
    [
      'nullable',
      { age: { type: 'float64', nullable: false } },
      [{ column: 'age', check: 'nullable', count: 1, sampleRows: [2] }],
    ],
    [
      'maxNullFraction',
      { city: { type: 'string', maxNullFraction: 0.1 } },
      [{ column: 'city', check: 'maxNullFraction', count: 1, sampleRows: [3] }],
    ],
    [
      'allowedValues',
      { city: { type: 'string', allowedValues: ['oslo', 'rome'] } },
      [{ column: 'city', check: 'allowedValues', count: 1, sampleRows: [4] }],
    ],
    [
      'unique',
      { id: { type: 'string', unique: true } },
      [{ column: 'id', check: 'unique', count: 1, sampleRows: [3] }],
    ],
    ['required', { zip: { type: 'string' } }, [{ column: 'zip', check: 'required', count: 6, sampleRows: [] }]],
    ['type', { id: { type: 'int64' } }, [{ column: 'id', check: 'type', count: 6, sampleRows: [] }]],
  ])('reports a %s failure with its count and rows', (_rule, columns, expected) => {
    expect(failures(people(), parseContract({ columns }))).toEqual(expected);
  });

  it('does not fail an optional missing column, and fails extra columns when they are not allowed', () => {
    const contract = parseContract({
      columns: { id: { type: 'string' }, zip: { type: 'string', required: false } },
      allowExtraColumns: false,
    });
    expect(failures(people(), contract).map((f) => [f.column, f.check])).toEqual([
      ['age', 'allowExtraColumns'],
      ['city', 'allowExtraColumns'],
    ]);
  });

  it('checks row bounds', () => {
    const contract = parseContract({ columns: {}, rows: { min: 10, max: 20 } });
    expect(failures(people(), contract)).toEqual([{ column: null, check: 'rows.min', count: 6, sampleRows: [] }]);
    const tooMany = parseContract({ columns: {}, rows: { max: 5 } });
    expect(failures(people(), tooMany)).toEqual([{ column: null, check: 'rows.max', count: 6, sampleRows: [] }]);
  });

  it('reports every failure at once, never only the first', () => {
    const contract = parseContract({
      columns: {
        id: { type: 'string', unique: true },
        age: { type: 'float64', min: 0, max: 120, nullable: false },
        city: { type: 'string', allowedValues: ['oslo'] },
      },
      rows: { min: 100 },
    });
    expect(failures(people(), contract).map((f) => `${f.column}:${f.check}`)).toEqual([
      'null:rows.min',
      'id:unique',
      'age:nullable',
      'age:min',
      'age:max',
      'city:allowedValues',
    ]);
  });

  it('keeps at most five sample rows while counting them all', () => {
    const values = Array.from({ length: 50 }, (_, i) => (i % 2 ? -i : i));
    const table = tableFromArrays({ v: Float64Array.from(values) });
    const [failure] = failures(table, parseContract({ columns: { v: { type: 'float64', min: 0 } } }));
    expect(failure.count).toBe(25);
    expect(failure.sampleRows).toEqual([1, 3, 5, 7, 9]);
  });

  it('validates timestamp bounds given as ISO dates', () => {
    const table = new Table({ t: vectorFromArray([new Date('2024-01-01'), new Date('2019-05-01')]) });
    const contract = parseContract({ columns: { t: { type: 'timestamp', min: '2020-01-01' } } });
    expect(failures(table, contract)).toEqual([{ column: 't', check: 'min', count: 1, sampleRows: [1] }]);
  });

  it('handles a file of 0 rows and a column of all nulls', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const empty = await writeFixture(dir, 'empty.csv', 'a,b\n');
      const contract = parseContract({ columns: { a: { type: 'float64' } }, rows: { min: 1 } });
      const report = (await scanDataset(empty, { contract })).validation!;
      expect(report.rows).toBe(0);
      expect(report.failures.map((f) => f.check)).toEqual(['rows.min']);
      const nulls = await writeFixture(dir, 'nulls.csv', 'a,b\n1,\n2,\n3,\n');
      const nullContract = parseContract({
        columns: { b: { type: 'float64', maxNullFraction: 0.5, nullable: false } },
      });
      const scan = await scanDataset(nulls, { contract: nullContract });
      expect(scan.validation!.failures.map((f) => [f.check, f.count])).toEqual([
        ['nullable', 3],
        ['maxNullFraction', 3],
      ]);
      expect(scan.profile.columns.b).toMatchObject({ kind: 'numeric', count: 0, nulls: 3, mean: null });
    } finally {
      await cleanup();
    }
  });

  it('reports CSV values that do not parse as the contract type', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const path = await writeFixture(dir, 'typed.csv', 'n\n1\ntwo\n3\n');
      const report = (await scanDataset(path, { contract: parseContract({ columns: { n: { type: 'int64' } } }) }))
        .validation!;
      expect(report.failures).toEqual([
        { column: 'n', check: 'type', count: 1, sampleRows: [1], message: '1 values are not int64' },
      ]);
    } finally {
      await cleanup();
    }
  });

  it('finds exactly the injected violations in random tables (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.uniqueArray(fc.nat(), { maxLength: 10 }),
        fc.uniqueArray(fc.nat(), { maxLength: 10 }),
        fc.uniqueArray(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 0, max: 1000 }),
        (rows, low, high, bad, seed) => {
          // Valid values in [0, 100]; injected: below-min, above-max and disallowed categories at chosen rows.
          const lowRows = new Set(low.map((r) => r % rows));
          const highRows = new Set(high.map((r) => r % rows).filter((r) => !lowRows.has(r)));
          const badRows = new Set(bad.map((r) => r % rows));
          const values = Float64Array.from({ length: rows }, (_, i) =>
            lowRows.has(i) ? -1 - i : highRows.has(i) ? 101 + i : (i * 7919 + seed) % 101,
          );
          const cats = Array.from({ length: rows }, (_, i) =>
            badRows.has(i) ? 'zzz' : ['a', 'b', 'c'][(i + seed) % 3],
          );
          const table = new Table({ v: vectorFromArray(values), c: vectorFromArray(cats, new Utf8()) });
          const contract = parseContract({
            columns: {
              v: { type: 'float64', min: 0, max: 100 },
              c: { type: 'string', allowedValues: ['a', 'b', 'c'] },
            },
          });
          const got = failures(table, contract);
          const expected = [
            ['min', lowRows],
            ['max', highRows],
            ['allowedValues', badRows],
          ]
            .filter(([, set]) => (set as Set<number>).size > 0)
            .map(([check, set]) => {
              const sorted = [...(set as Set<number>)].sort((a, b) => a - b);
              return {
                column: check === 'allowedValues' ? 'c' : 'v',
                check,
                count: sorted.length,
                sampleRows: sorted.slice(0, 5),
              };
            });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('parseContract', () => {
  it.each([
    [[], /must be a JSON object/],
    [{ columns: { a: { type: 'decimal' } } }, /columns.a.type must be one of int64, float64, string, bool, timestamp/],
    [{ columns: { a: { type: 'int64', minimum: 1 } } }, /columns.a.minimum is not a contract key/],
    [{ columns: { a: { type: 'int64', min: 5, max: 1 } } }, /columns.a.min is larger than columns.a.max/],
    [{ columns: { a: { type: 'string', min: 1 } } }, /applies to numeric and timestamp columns only/],
    [{ columns: { a: { type: 'int64', maxNullFraction: 2 } } }, /maxNullFraction must be a number between 0 and 1/],
    [{ columns: { a: { type: 'int64', allowedValues: 'x' } } }, /allowedValues must be an array/],
    [{ columns: {}, rows: { min: -1 } }, /rows.min must be a number >= 0/],
    [{ columns: {}, extra: 1 }, /extra is not a contract key/],
  ])('rejects %j with a clear InvalidContract message', (value, message) => {
    expect(() => parseContract(value, 'c.json')).toThrow(message);
    try {
      parseContract(value, 'c.json');
    } catch (err) {
      expect((err as { type: string }).type).toBe('InvalidContract');
      expect((err as Error).message.startsWith('c.json: ')).toBe(true);
    }
  });
});
