/** Dataset check: one streaming pass that hashes the bytes and counts rows and columns. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { RecordBatchReader } from 'apache-arrow';
import type { CheckDatasetResult } from '../../workflows/contracts';
import { DatasetFormat, ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { CsvScanner } from './csv-scan';
import { detectFormat } from './format';

/** Options of a dataset check. */
export interface CheckDatasetOptions {
  /** Called after each chunk with the bytes read so far (activities heartbeat here). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Aborts the scan (activity cancellation). */
  signal?: AbortSignal;
}

/** Reads a CSV or Arrow IPC file once and returns its row and column counts and sha256. */
export async function checkDatasetFile(path: string, options: CheckDatasetOptions = {}): Promise<CheckDatasetResult> {
  const absolute = resolve(path);
  const format = detectFormat(absolute);
  const size = await statDataset(absolute);
  if (format === DatasetFormat.parquet) {
    throw new DomainError(
      ErrorType.UnsupportedFormat,
      `Parquet is not readable yet: convert ${path} to CSV or Arrow IPC`,
    );
  }
  const hash = createHash('sha256');
  let bytesRead = 0;
  const stream = createReadStream(absolute, { highWaterMark: 1 << 20, signal: options.signal });
  const counted = new PassThrough({ highWaterMark: 1 << 20 });
  stream.on('data', (chunk: Buffer | string) => {
    hash.update(chunk);
    bytesRead += chunk.length;
    options.onProgress?.(bytesRead, size);
  });
  stream.on('error', (err) => counted.destroy(err));
  stream.pipe(counted);
  try {
    const shape = format === DatasetFormat.csv ? await scanCsv(counted, path) : await scanArrow(counted, path);
    return { path: absolute, format, ...shape, sha256: hash.digest('hex'), bytes: bytesRead };
  } catch (err) {
    stream.destroy();
    throw mapReadError(err, path);
  }
}

async function statDataset(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new DomainError(ErrorType.DatasetUnreadable, `${path} is not a regular file`);
    return info.size;
  } catch (err) {
    throw mapReadError(err, path);
  }
}

interface Shape {
  rows: number;
  columns: number;
  columnNames: string[];
}

async function scanCsv(source: AsyncIterable<Buffer>, path: string): Promise<Shape> {
  const scanner = new CsvScanner();
  try {
    for await (const chunk of source) scanner.push(chunk);
    const { header, rows } = scanner.finish();
    return { rows, columns: header.length, columnNames: header };
  } catch (err) {
    if (err instanceof DomainError) throw new DomainError(err.type, `${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

async function scanArrow(source: PassThrough, path: string): Promise<Shape> {
  let rows = 0;
  let columnNames: string[] | null = null;
  try {
    const reader = await RecordBatchReader.from(source);
    for await (const batch of reader) {
      columnNames ??= batch.schema.fields.map((f) => f.name);
      rows += batch.numRows;
    }
    columnNames ??= reader.schema?.fields.map((f) => f.name) ?? null;
  } catch (err) {
    if (err instanceof DomainError || isNodeError(err)) throw err;
    throw new DomainError(ErrorType.DatasetCorrupt, `${path} is not a valid Arrow IPC file: ${String(err)}`, {
      cause: err,
    });
  }
  if (!columnNames) throw new DomainError(ErrorType.DatasetCorrupt, `${path} has no Arrow schema`);
  return { rows, columns: columnNames.length, columnNames };
}

/** A Node system error; checked by shape, since errors can come from another realm (vm contexts). */
function isNodeError(err: unknown): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** Maps file-system errors to typed domain errors; other errors pass through unchanged. */
function mapReadError(err: unknown, path: string): unknown {
  if (err instanceof DomainError || !isNodeError(err)) return err;
  if (err.code === 'ENOENT')
    return new DomainError(ErrorType.DatasetNotFound, `dataset not found: ${path}`, { cause: err });
  if (err.code === 'EACCES' || err.code === 'EISDIR' || err.code === 'EPERM') {
    return new DomainError(ErrorType.DatasetUnreadable, `cannot read dataset ${path}: ${err.code}`, { cause: err });
  }
  return err;
}
