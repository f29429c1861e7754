/** Dataset check: one streaming pass that hashes the bytes and counts rows and columns. */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { RecordBatchReader } from 'apache-arrow';
import type { CheckDatasetResult } from '../../workflows/contracts';
import { DatasetFormat, ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { assertArrowStructure } from './arrow-check';
import { CsvScanner } from './csv-scan';
import { detectFormat } from './format';
import { readParquetSchema } from './parquet';
import { arrowReadError, hashedStream, mapReadError, statDataset } from './read';

/** Options of a dataset check. */
export interface CheckDatasetOptions {
  /** Called after each chunk with the bytes read so far (activities heartbeat here). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Aborts the scan (activity cancellation). */
  signal?: AbortSignal;
}

interface Shape {
  rows: number;
  columns: number;
  columnNames: string[];
}

/**
 * Reads a CSV, Arrow IPC or Parquet file once and returns its row and column counts and sha256. CSV is
 * only scanned for record boundaries (no typing), Parquet's counts come from its footer.
 */
export async function checkDatasetFile(path: string, options: CheckDatasetOptions = {}): Promise<CheckDatasetResult> {
  const absolute = resolve(path);
  const format = detectFormat(absolute);
  const size = await statDataset(absolute);
  // Before the stream opens: Arrow's reader of a Node stream misses one that ended while it was not yet reading.
  if (format === DatasetFormat.arrow)
    await withHandle(absolute, (handle) => assertArrowStructure(handle, size, absolute));
  const { stream, digest } = hashedStream(absolute, size, options);
  try {
    let shape: Shape;
    if (format === DatasetFormat.csv) shape = await scanCsv(stream, absolute);
    else if (format === DatasetFormat.arrow) shape = await scanArrow(stream, absolute);
    else {
      stream.resume();
      const info = await readParquetSchema(absolute);
      const columnNames = info.schema.fields.map((f) => f.name);
      shape = { rows: info.numRows, columns: columnNames.length, columnNames };
    }
    return { path: absolute, format, ...shape, sha256: await digest(), bytes: size };
  } catch (err) {
    stream.destroy();
    throw mapReadError(err, absolute);
  }
}

async function scanCsv(source: Readable, path: string): Promise<Shape> {
  const scanner = new CsvScanner();
  try {
    for await (const chunk of source) scanner.push(chunk as Buffer);
    const { header, rows } = scanner.finish();
    return { rows, columns: header.length, columnNames: header };
  } catch (err) {
    if (err instanceof DomainError) throw new DomainError(err.type, `${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** Runs `work` on the file open for reading, closing it after. */
async function withHandle(path: string, work: (handle: FileHandle) => Promise<void>): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await work(handle);
  } finally {
    await handle.close();
  }
}

async function scanArrow(source: Readable, path: string): Promise<Shape> {
  let rows = 0;
  let columnNames: string[] | null = null;
  try {
    // Arrow gets the bytes through a pipe of their own: its stream reader destroys the stream it reads once it meets
    // the end marker, and the hashing stream must still reach its end for the digest.
    const forArrow = new PassThrough();
    source.pipe(forArrow);
    const reader = await RecordBatchReader.from(forArrow);
    for await (const batch of reader) {
      columnNames ??= batch.schema.fields.map((f) => f.name);
      rows += batch.numRows;
    }
    columnNames ??= reader.schema?.fields.map((f) => f.name) ?? null;
    source.unpipe(forArrow);
    source.resume();
  } catch (err) {
    throw arrowReadError(err, path);
  }
  if (!columnNames) throw new DomainError(ErrorType.DatasetCorrupt, `${path} has no Arrow schema`);
  return { rows, columns: columnNames.length, columnNames };
}
