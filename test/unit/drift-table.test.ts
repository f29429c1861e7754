/** computeTableDrift over an in-memory table agrees with computeDrift over the same data as a file. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { computeDrift } from '../../lib/data/drift';
import { parseDriftPolicy } from '../../lib/data/drift-policy';
import { computeTableDrift } from '../../lib/data/drift-table';
import { openDataset } from '../../lib/data/read';
import { scanDataset } from '../../lib/data/scan';
import { tempDir } from '../helpers/temporal';

const DIR = join(__dirname, '..', 'fixtures', 'drift-datasets');

async function readTable(path: string): Promise<Table> {
  const stream = await openDataset(path);
  const batches: RecordBatch[] = [];
  for await (const { batch } of stream.batches) batches.push(batch);
  return new Table(batches);
}

describe('computeTableDrift', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let profilePath: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('drift-table-'));
    profilePath = join(dir, 'reference.profile.json');
    await writeFile(profilePath, JSON.stringify((await scanDataset(join(DIR, 'reference.csv'))).profile));
  });
  afterAll(() => cleanup());

  it.each([
    ['default', parseDriftPolicy(undefined)],
    ['strict', parseDriftPolicy({ psi: 0.01, jsDistance: 0.01 })],
    ['watching two columns', parseDriftPolicy({ columns: ['x', 'color', 'absent'] })],
  ])('gives the same columns and statistics as computeDrift on the file (%s policy)', async (_name, policy) => {
    const fromFile = await computeDrift({ reference: profilePath, current: join(DIR, 'current.csv'), policy });
    const profile = (await scanDataset(join(DIR, 'reference.csv'))).profile;
    const fromTable = computeTableDrift({
      reference: { profile, path: profilePath },
      current: { table: await readTable(join(DIR, 'current.csv')), path: 'in memory' },
      policy,
    });
    expect(fromTable.columns).toEqual(fromFile.columns);
    expect(fromTable.drifted).toEqual(fromFile.drifted);
    expect(fromTable.missingColumns).toEqual(fromFile.missingColumns);
    expect(fromTable.reference).toEqual(fromFile.reference);
    expect(fromTable.current).toMatchObject({ path: 'in memory', rows: fromFile.current.rows });
    expect(fromTable.current.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('compares only the profiled columns the table has, and rejects a column whose kind changed', async () => {
    const profile = (await scanDataset(join(DIR, 'reference.csv'))).profile;
    const table = await readTable(join(DIR, 'current.csv'));
    const policy = parseDriftPolicy(undefined);
    const onlyX = computeTableDrift({
      reference: { profile, path: 'p' },
      current: { table: table.select(['x']), path: 'c' },
      policy,
    });
    expect(Object.keys(onlyX.columns)).toEqual(['x']);
    expect(onlyX.missingColumns).toEqual([]);
    const swapped = { ...profile, columns: { x: profile.columns.color } };
    expect(() =>
      computeTableDrift({ reference: { profile: swapped, path: 'p' }, current: { table, path: 'c' }, policy }),
    ).toThrow(/column x is categorical in the reference and numeric now/);
  });
});
