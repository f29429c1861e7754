/**
 * Fuzz targets over the dataset readers: CSV (arbitrary bytes in arbitrary chunks, CSV-like token soup, and
 * mutations of a valid file), Arrow IPC (file and stream) and Parquet (mutations of valid files and arbitrary
 * bytes). Each case reads every batch, materialises every column, then waits for the file's digest.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataType, Table, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { readCsvBatches } from '../../lib/data/csv-reader';
import { generateTable } from '../../lib/data/generate';
import { writeParquet } from '../../lib/data/parquet';
import { openDataset } from '../../lib/data/read';
import { ColumnType } from '../../lib/data/types';
import type { ColumnTypeName } from '../../lib/data/types';
import type { DataBatch } from '../../lib/data/batch';
import { writeTable } from '../../lib/data/write';
import { defineTarget, mutate, mutation } from './fuzz-property';
import type { FuzzTarget } from './fuzz-property';

/** Touches every value of every column, as profiling and validation will. */
function materialise({ batch }: DataBatch): void {
  for (let c = 0; c < batch.numCols; c++) batch.getChildAt(c)?.toArray();
}

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes.length > 0 ? sizes[i % sizes.length] : bytes.length;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

interface CsvCase {
  bytes: Uint8Array;
  chunks: number[];
  types?: Record<string, ColumnTypeName>;
  batchRows: number;
}

async function runCsv(input: CsvCase): Promise<void> {
  const options = { path: 'fuzz.csv', types: input.types, batchRows: input.batchRows };
  for await (const batch of readCsvBatches(chunked(input.bytes, input.chunks), options)) materialise(batch);
}

const TOKENS = ['a', 'b', '1', '-2', '3.5e10', '1e400', 'NaN', 'true', 'FALSE', '2024-01-31T00:00:00Z', '2024-13-45'];
const SYNTAX = [',', ',', '"', '""', '\n', '\r\n', '\r', ' ', '\t', '\uFEFF', 'é', '\u0000', '\uD800'];

/** CSV-like text: tokens and syntax characters in any order. */
const csvText = fc
  .array(fc.constantFrom(...TOKENS, ...SYNTAX, ...SYNTAX), { maxLength: 120 })
  .map((parts) => new TextEncoder().encode(parts.join('')));

const csvTypes = fc.option(
  fc.dictionary(
    fc.constantFrom('a', 'b', '1', 'f0', 'segment', 'label', 'column_1', 'column_2'),
    fc.constantFrom(...Object.values(ColumnType)),
  ),
  { nil: undefined },
);

function csvCase(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<CsvCase> {
  return fc.record({
    bytes,
    chunks: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 4 }),
    types: csvTypes,
    batchRows: fc.integer({ min: 1, max: 8 }),
  });
}

/** A dataset file written per case into `scratch`, read whole through `openDataset`, then removed. */
function datasetRunner(
  scratch: string,
): (bytes: Uint8Array, extension: string, reuseBuffers?: boolean) => Promise<void> {
  let next = 0;
  return async (bytes, extension, reuseBuffers = false) => {
    const path = join(scratch, `case-${process.pid}-${next++}${extension}`);
    await writeFile(path, bytes);
    try {
      const stream = await openDataset(path, { batchRows: 16, reuseBuffers });
      for await (const batch of stream.batches) materialise(batch);
      await stream.sha256();
    } finally {
      await rm(path, { force: true });
    }
  };
}

/** Valid files of every format, small enough that a case runs in milliseconds (Parquet: a worker start). */
async function validFiles(
  scratch: string,
): Promise<Record<'csv' | 'arrow' | 'arrowPlain' | 'arrows' | 'parquet', Uint8Array>> {
  const table = generateTable({ rows: 40, seed: 7 });
  // Without dictionaries and in three batches: the file a reused-buffer read takes its own path for.
  const plain = table.select(table.schema.fields.filter((f) => !DataType.isDictionary(f.type)).map((f) => f.name));
  const batches = [plain.slice(0, 16), plain.slice(16, 32), plain.slice(32)].flatMap((t) => t.batches);
  await writeTable(table, join(scratch, 'valid.csv'));
  await writeTable(table, join(scratch, 'valid.arrow'));
  await writeParquet(table, join(scratch, 'valid.parquet'), { rowGroupSize: 16 });
  return {
    csv: new Uint8Array(await readFile(join(scratch, 'valid.csv'))),
    arrow: new Uint8Array(await readFile(join(scratch, 'valid.arrow'))),
    arrowPlain: tableToIPC(new Table(batches), 'file'),
    arrows: tableToIPC(table, 'stream'),
    parquet: new Uint8Array(await readFile(join(scratch, 'valid.parquet'))),
  };
}

/** The dataset reader targets; valid files to mutate are written into `scratch`. */
export async function dataTargets(scratch: string): Promise<FuzzTarget[]> {
  const valid = await validFiles(scratch);
  const read = datasetRunner(scratch);
  const mutated = (bytes: Uint8Array) => mutation.map((m) => mutate(bytes, m));
  return [
    defineTarget({
      name: 'csv-bytes',
      arbitrary: csvCase(fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated(valid.csv))),
      run: runCsv,
      testRuns: 300,
      timeoutMs: 5000,
    }),
    defineTarget({ name: 'csv-text', arbitrary: csvCase(csvText), run: runCsv, testRuns: 300, timeoutMs: 5000 }),
    defineTarget({
      name: 'arrow',
      arbitrary: fc.record({
        file: fc.oneof(
          fc.record({ bytes: mutated(valid.arrow), extension: fc.constant('.arrow') }),
          fc.record({ bytes: mutated(valid.arrowPlain), extension: fc.constant('.arrow') }),
          fc.record({ bytes: mutated(valid.arrows), extension: fc.constant('.arrows') }),
          fc.record({ bytes: fc.uint8Array({ maxLength: 256 }), extension: fc.constantFrom('.arrow', '.arrows') }),
        ),
        reuseBuffers: fc.boolean(),
      }),
      run: ({ file, reuseBuffers }: { file: { bytes: Uint8Array; extension: string }; reuseBuffers: boolean }) =>
        read(file.bytes, file.extension, reuseBuffers),
      testRuns: 60,
      timeoutMs: 5000,
    }),
    defineTarget({
      name: 'parquet',
      arbitrary: fc.oneof(
        { weight: 4, arbitrary: mutated(valid.parquet) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) },
      ),
      run: (bytes: Uint8Array) => read(bytes, '.parquet'),
      testRuns: 15,
      timeoutMs: 15000,
    }),
  ];
}
