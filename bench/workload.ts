/** The bench's data: the generated table without its label, its contract, and the files the peers read. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import type { DataContract } from '../lib/data/contract';
import { FLOAT_FEATURES, generateTable, SEGMENTS } from '../lib/data/generate';
import type { GenerateOptions } from '../lib/data/generate';
import { mapTableBuffers } from '../lib/data/parallel-scan';
import { readParquetSchema, writeParquet } from '../lib/data/parquet';
import { progress } from './measure';

/** Where the bench keeps generated files between runs (git-ignored). */
export const CACHE_DIR = join(__dirname, '.cache');

/** generateTable's columns without `label`: f0…f7 (float64, 1% nulls), tenure (int64), segment (categorical). */
export function benchTable(options: GenerateOptions): Table {
  const table = generateTable(options);
  return table.select(table.schema.fields.map((field) => field.name).filter((name) => name !== 'label'));
}

/**
 * Type, min/max, maxNullFraction, nullable and allowedValues rules on all ten columns. The generated data meets
 * them (a valid dataset, the common case), so both sides run every check and neither pays for failure reports.
 */
export const benchContract: DataContract = {
  columns: {
    ...Object.fromEntries(
      FLOAT_FEATURES.map((name) => [
        name,
        { type: 'float64' as const, min: -100, max: 100, maxNullFraction: 0.02, nullable: true },
      ]),
    ),
    tenure: { type: 'int64', min: 0, max: 120, nullable: false },
    segment: { type: 'string', allowedValues: [...SEGMENTS], nullable: false },
  },
};

/**
 * The table with every Arrow buffer copied into ordinary (not shared) memory, as a table built by other code would
 * hold it: a parallel scan of it copies each column into shared memory for its threads.
 */
export function ordinaryMemoryTable(table: Table): Table {
  return mapTableBuffers(table, <T extends ArrayBufferView>(view: T | null | undefined): T | undefined => {
    if (!view) return undefined;
    const bytes = new Uint8Array(view.byteLength);
    bytes.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    const Kind = view.constructor as new (buffer: ArrayBuffer) => T;
    return new Kind(bytes.buffer);
  });
}

/** Bytes of the table's Arrow buffers (values, validity, offsets, dictionaries): what one full read touches. */
export function tableBytes(table: Table): number {
  let bytes = 0;
  for (const batch of table.batches) {
    for (const data of batch.data.children) {
      bytes += data.values?.byteLength ?? 0;
      bytes += data.nullBitmap?.byteLength ?? 0;
      bytes += (data.valueOffsets as ArrayBufferView | undefined)?.byteLength ?? 0;
      for (const dictionary of data.dictionary?.data ?? []) bytes += dictionary.byteLength;
    }
  }
  return bytes;
}

/** Writes the table as Parquet under the cache unless a file with the same row count is already there. */
export async function cachedParquet(name: string, rows: number, make: () => Table): Promise<string> {
  await mkdir(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, `${name}-${rows}.parquet`);
  if (existsSync(path)) {
    const footer = await readParquetSchema(path).catch(() => undefined);
    if (footer?.numRows === rows) return path;
  }
  progress(`writing ${path}`);
  await writeParquet(make(), path);
  return path;
}

/** Writes a contract (or any JSON) into the cache for the peers. */
export async function cachedJson(name: string, value: unknown): Promise<string> {
  await mkdir(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

/** Writes a float64 array as a NumPy .npy file (format 1.0, little-endian, C order). */
export async function writeNpy(name: string, values: Float64Array): Promise<string> {
  await mkdir(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, name);
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length},), }`;
  // Magic (6) + version (2) + header length (2) + header + newline must be a multiple of 64 bytes.
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  await writeFile(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
  return path;
}
