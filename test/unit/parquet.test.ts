import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import {
  Bool,
  Float64,
  Int64,
  Table,
  TimestampMillisecond,
  Utf8,
  tableFromArrays,
  vectorFromArray,
} from 'apache-arrow';
import { readParquetBatches, readParquetSchema, writeParquet } from '../../lib/data/parquet';
import { DomainError } from '../../lib/errors';

let dir: string;
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parquet-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function nextPath(name: string): string {
  fileCount += 1;
  return join(dir, `${fileCount}-${name}`);
}

async function collect(path: string, options: Parameters<typeof readParquetBatches>[1] = {}): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  for await (const batch of readParquetBatches(path, options)) batches.push(batch);
  return batches;
}

async function failure(run: () => Promise<unknown>): Promise<DomainError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

/** 10 000 rows of an increasing float column and a string column, in row groups of 3 000. */
async function writeSequence(
  name: string,
  compression: 'snappy' | 'zstd' | 'uncompressed' = 'snappy',
): Promise<string> {
  const n = 10_000;
  const table = tableFromArrays({
    x: Float64Array.from({ length: n }, (_, i) => i),
    label: Array.from({ length: n }, (_, i) => `row-${i}`),
  });
  const path = nextPath(name);
  await writeParquet(table, path, { rowGroupSize: 3000, compression });
  return path;
}

describe('writeParquet and readParquetBatches', () => {
  it('round-trips float64 and utf8 with nulls, int64, bool, dictionary strings and timestamps', async () => {
    const table = new Table({
      f: vectorFromArray([1.5, null, -2.25, Number.NaN], new Float64()),
      i: vectorFromArray(BigInt64Array.from([1n, -2n, 9_007_199_254_740_993n, 0n])),
      s: vectorFromArray(['a', null, 'ünï', ''], new Utf8()),
      b: vectorFromArray([true, false, null, true], new Bool()),
      d: vectorFromArray(['x', 'y', null, 'x']),
      t: vectorFromArray([new Date(0), null, new Date(1_700_000_000_123), new Date(5)], new TimestampMillisecond()),
    });
    const path = nextPath('types.parquet');
    const { bytes } = await writeParquet(table, path);
    expect(bytes).toBe((await stat(path)).size);

    const read = new Table(await collect(path));
    const types = Object.fromEntries(read.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toEqual({
      f: 'Float64',
      i: 'Int64',
      s: 'Utf8',
      b: 'Bool',
      d: 'Dictionary<Int32, Utf8>',
      t: 'Timestamp<MILLISECOND>',
    });
    expect(read.getChild('f')?.toArray()).toBeInstanceOf(Float64Array);
    expect([...(read.getChild('f') ?? [])]).toEqual([1.5, null, -2.25, Number.NaN]);
    expect(read.getChild('i')?.data[0].values).toBeInstanceOf(BigInt64Array);
    expect([...(read.getChild('i') ?? [])]).toEqual([1n, -2n, 9_007_199_254_740_993n, 0n]);
    expect([...(read.getChild('s') ?? [])]).toEqual(['a', null, 'ünï', '']);
    expect([...(read.getChild('b') ?? [])]).toEqual([true, false, null, true]);
    expect([...(read.getChild('d') ?? [])]).toEqual(['x', 'y', null, 'x']);
    expect([...(read.getChild('t') ?? [])]).toEqual([0, null, 1_700_000_000_123, 5]);
  });

  it('yields one batch per row group, in order, adding up to the row count', async () => {
    const path = await writeSequence('groups.parquet');
    const batches = await collect(path);
    expect(batches.map((b) => b.numRows)).toEqual([3000, 3000, 3000, 1000]);
    const x = batches.flatMap((b) => [...(b.getChild('x')?.toArray() as Float64Array)]);
    expect(x).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(batches[3].getChild('label')?.get(999)).toBe('row-9999');
  });

  it('reads only the requested columns, in the requested order', async () => {
    const path = await writeSequence('columns.parquet');
    const batches = await collect(path, { columns: ['label', 'x'] });
    expect(batches[0].schema.fields.map((f) => f.name)).toEqual(['label', 'x']);
    const only = await collect(path, { columns: ['x'] });
    expect(only[0].schema.fields.map((f) => f.name)).toEqual(['x']);
    const err = await failure(() => collect(path, { columns: ['x', 'nope'] }));
    expect(err.type).toBe('InvalidInput');
    expect(err.message).toContain('"nope"');
  });

  it('writes each compression and replaces the target without leaving a temporary file', async () => {
    const sizes: Record<string, number> = {};
    for (const compression of ['snappy', 'zstd', 'uncompressed'] as const) {
      const path = await writeSequence(`${compression}.parquet`, compression);
      sizes[compression] = (await stat(path)).size;
      expect((await collect(path)).reduce((sum, b) => sum + b.numRows, 0)).toBe(10_000);
    }
    expect(sizes.zstd).toBeLessThan(sizes.uncompressed);
    expect(sizes.snappy).toBeLessThan(sizes.uncompressed);

    const path = nextPath('replaced.parquet');
    await writeFile(path, 'old contents');
    await writeParquet(tableFromArrays({ a: Float64Array.of(1, 2) }), path);
    expect((await readParquetSchema(path)).numRows).toBe(2);
    expect((await readdir(dir)).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('rejects a row group size that is not a positive integer', async () => {
    const table = tableFromArrays({ a: Float64Array.of(1) });
    for (const rowGroupSize of [0, -1, 1.5]) {
      const err = await failure(() => writeParquet(table, nextPath('bad.parquet'), { rowGroupSize }));
      expect(err.type).toBe('InvalidInput');
    }
  });

  it('round-trips a table with no rows to no rows and its schema', async () => {
    const table = new Table({
      a: vectorFromArray([], new Float64()),
      s: vectorFromArray([], new Utf8()),
      i: vectorFromArray([], new Int64()),
    });
    const path = nextPath('empty.parquet');
    await writeParquet(table, path);
    const batches = await collect(path);
    expect(batches.reduce((sum, b) => sum + b.numRows, 0)).toBe(0);
    expect(batches[0].schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['a:Float64', 's:Utf8', 'i:Int64']);
    const info = await readParquetSchema(path);
    expect(info.numRows).toBe(0);
    expect(info.schema.fields.map((f) => f.name)).toEqual(['a', 's', 'i']);
  });
});

describe('readParquetSchema', () => {
  it('gives column names, types, rows and row groups from the footer', async () => {
    const path = await writeSequence('schema.parquet');
    const info = await readParquetSchema(path);
    expect(info.schema.fields.map((f) => f.name)).toEqual(['x', 'label']);
    expect(info.schema.fields.map((f) => String(f.type))).toEqual(['Float64', 'Dictionary<Int32, Utf8>']);
    expect(info.numRows).toBe(10_000);
    expect(info.numRowGroups).toBe(4);
  });
});

describe('Parquet read errors', () => {
  let good: Buffer;

  beforeAll(async () => {
    good = await readFile(await writeSequence('source.parquet'));
  });

  async function expectCorrupt(bytes: Uint8Array, name: string): Promise<void> {
    const path = nextPath(name);
    await writeFile(path, bytes);
    for (const run of [() => collect(path), () => readParquetSchema(path)]) {
      const err = await failure(run);
      expect({ type: err.type, name }).toEqual({ type: 'DatasetCorrupt', name });
      expect(err.message).toContain(path);
      expect(err.message).not.toContain('\n');
    }
  }

  it('reports a file cut inside its footer or its data as DatasetCorrupt', async () => {
    const length = good.length;
    for (const cut of [length - 1, length - 4, length - 8, length - 40, Math.floor(length / 2), 100, 4, 0]) {
      await expectCorrupt(good.subarray(0, cut), `cut-${cut}.parquet`);
    }
  });

  it('reports a row group with garbled or missing bytes as DatasetCorrupt, and keeps working', async () => {
    for (const offset of [4, Math.floor(good.length / 3)]) {
      const garbled = Buffer.from(good);
      for (let k = offset; k < offset + 200; k++) garbled[k] = (k * 7919) & 0xff;
      const path = nextPath(`garbled-${offset}.parquet`);
      await writeFile(path, garbled);
      const err = await failure(() => collect(path));
      expect(err.type).toBe('DatasetCorrupt');
      expect(err.message).toContain(path);
      expect(err.message).not.toContain('\n');
    }
    const third = Math.floor(good.length / 3);
    await expectCorrupt(Buffer.concat([good.subarray(0, third), good.subarray(third + 1000)]), 'spliced.parquet');
    const path = nextPath('after.parquet');
    await writeFile(path, good);
    expect((await collect(path)).length).toBe(4);
  });

  it('reports a file that is not Parquet as DatasetCorrupt', async () => {
    await expectCorrupt(Buffer.from('a,b\n1,2\n'.repeat(50)), 'text.parquet');
  });

  it('reports a missing file as DatasetNotFound and a directory as DatasetUnreadable', async () => {
    const missing = join(dir, 'missing.parquet');
    for (const run of [() => collect(missing), () => readParquetSchema(missing)]) {
      const err = await failure(run);
      expect(err.type).toBe('DatasetNotFound');
      expect(err.message).toContain(missing);
    }
    const folder = nextPath('folder.parquet');
    await mkdir(folder);
    const err = await failure(() => collect(folder));
    expect(err.type).toBe('DatasetUnreadable');
    expect(err.message).toContain(folder);
  });
});

describe('readParquetBatches cancellation', () => {
  it('throws the signal reason between row groups and reads no further', async () => {
    const path = await writeSequence('abort.parquet');
    const controller = new AbortController();
    const reason = new Error('stop here');
    const seen: number[] = [];
    const run = async (): Promise<void> => {
      for await (const batch of readParquetBatches(path, { signal: controller.signal })) {
        seen.push(batch.numRows);
        controller.abort(reason);
      }
    };
    await expect(run()).rejects.toBe(reason);
    expect(seen).toEqual([3000]);
  });

  it('throws at once for a signal that is already aborted', async () => {
    const path = await writeSequence('aborted.parquet');
    const reason = new Error('already');
    await expect(collect(path, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('throws the reason while a row group is in flight', async () => {
    const path = await writeSequence('inflight.parquet');
    const controller = new AbortController();
    const reason = new Error('mid-read');
    const iterator = readParquetBatches(path, { signal: controller.signal });
    await iterator.next();
    const pending = iterator.next();
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});
