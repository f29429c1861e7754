import { failureOf } from '../helpers/failures';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { checkDataset } from '../../activities/dataset';
import { writeParquet } from '../../lib/data/parquet';
import type { CheckDatasetResult } from '../../workflows/contracts';
import { tempDir } from '../helpers/temporal';

const failureOfApplicationFailure = (promise: Promise<unknown>) => failureOf(promise, ApplicationFailure);

describe('checkDataset activity', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(() => cleanup());

  it('returns rows, columns and the sha256 of the bytes of a CSV, and heartbeats', async () => {
    const text = 'id,city,amount\n1,"Paris, FR",10.5\n2,"multi\nline",\n3,Oslo,7\n';
    const path = join(dir, 'small.csv');
    await writeFile(path, text);
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const result = await env.run(checkDataset, { dataset: path });
    expect(result).toEqual({
      path,
      format: 'csv',
      rows: 3,
      columns: 3,
      columnNames: ['id', 'city', 'amount'],
      sha256: createHash('sha256').update(text).digest('hex'),
      bytes: Buffer.byteLength(text),
    });
    expect(beats[0]).toEqual({ bytesRead: 0 });
  });

  it('reads an Arrow IPC file in record batches', async () => {
    const table = tableFromArrays({ x: Float64Array.from([1, 2, 3, 4]), y: Int32Array.from([5, 6, 7, 8]) });
    const bytes = tableToIPC(table, 'file');
    const path = join(dir, 'small.arrow');
    await writeFile(path, bytes);
    const result: CheckDatasetResult = await new MockActivityEnvironment().run(checkDataset, { dataset: path });
    expect(result).toMatchObject({ format: 'arrow', rows: 4, columns: 2, columnNames: ['x', 'y'] });
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('reads row and column counts of a Parquet file from its footer', async () => {
    const table = tableFromArrays({ x: Float64Array.from([1, 2, 3]), y: Float64Array.from([4, 5, 6]) });
    const path = join(dir, 'small.parquet');
    await writeParquet(table, path);
    const result: CheckDatasetResult = await new MockActivityEnvironment().run(checkDataset, { dataset: path });
    expect(result).toMatchObject({ format: 'parquet', rows: 3, columns: 2, columnNames: ['x', 'y'] });
    expect(result.sha256).toBe(
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    );
  });

  it.each([
    ['a missing file', 'DatasetNotFound', 'missing.csv', undefined],
    ['a CSV with a ragged record', 'DatasetCorrupt', 'ragged.csv', 'a,b\n1\n'],
    ['an empty CSV', 'DatasetCorrupt', 'empty.csv', ''],
    ['a corrupt Arrow file', 'DatasetCorrupt', 'corrupt.arrow', 'not arrow at all'],
    ['an unknown extension', 'UnsupportedFormat', 'data.xlsx', 'x'],
    ['a corrupt Parquet file', 'DatasetCorrupt', 'data.parquet', 'PAR1 not really parquet'],
  ])('fails %s with a non-retryable %s', async (_what, type, name, content) => {
    const path = join(dir, name);
    if (content !== undefined) await writeFile(path, content);
    const failure = await failureOfApplicationFailure(
      new MockActivityEnvironment().run(checkDataset, { dataset: path }),
    );
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(name);
  });

  it('rejects an empty path as InvalidInput', async () => {
    const failure = await failureOfApplicationFailure(
      new MockActivityEnvironment().run(checkDataset, { dataset: ' ' }),
    );
    expect(failure.type).toBe('InvalidInput');
  });

  it('stops reading when the activity is cancelled', async () => {
    const path = join(dir, 'large.csv');
    const row = '1,2,3,4,5,6,7,8\n';
    await writeFile(path, `a,b,c,d,e,f,g,h\n${row.repeat(2_000_000)}`);
    const env = new MockActivityEnvironment();
    env.once('heartbeat', () => env.cancel());
    await expect(env.run(checkDataset, { dataset: path })).rejects.toBeInstanceOf(CancelledFailure);
  });
});
