/** Opening a dataset of any supported format as a stream of Arrow batches, hashed while it is read. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RecordBatchReader, Table, tableToIPC } from 'apache-arrow';
import type { AsyncRecordBatchFileReader, Schema } from 'apache-arrow';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { DatasetFormat, ErrorType } from '../../workflows/contracts';
import type { DatasetFormatName } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { assertArrowStructure } from './arrow-check';
import type { DataBatch } from './batch';
import { readCsvBatches } from './csv-reader';
import { giveBackBuffers, takeBuffer } from './buffer-pool';
import { digestFile } from './file-digest';
import { detectFormat } from './format';
import { readParquetBatches } from './parquet';
import type { ColumnTypeName } from './types';

/** Options of `openDataset`. */
export interface OpenDatasetOptions {
  /** Column types for CSV (e.g. from a contract); ignored by typed formats. */
  types?: Record<string, ColumnTypeName>;
  /** Rows per CSV batch. */
  batchRows?: number;
  signal?: AbortSignal;
  /** Called as bytes are read (activities heartbeat here). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /**
   * Arrow IPC files: read the record batches into a few reused buffers instead of a fresh one per batch, which
   * spares a page fault per 4 KiB and a garbage collection per batch (V8 collects on external memory growth). A
   * batch's columns are overwritten `REUSED_BUFFERS` batches later, so only a consumer that keeps no views of a
   * batch once it asks for the one after next may set this. Files with dictionary batches are read the usual way.
   */
  reuseBuffers?: boolean;
}

/** Buffers a reused-buffer Arrow read cycles through: the batch in use, the one read ahead, and one to spare. */
export const REUSED_BUFFERS = 3;

/** A dataset being read: its batches, then its digest once they are consumed. */
export interface DatasetStream {
  path: string;
  format: DatasetFormatName;
  /** File size in bytes. */
  bytes: number;
  batches: AsyncGenerator<DataBatch>;
  /** sha256 of the file's bytes; resolves after the batches are consumed. */
  sha256: () => Promise<string>;
  /**
   * With `reuseBuffers`: gives the read buffers to the process's pool for the next read, once the consumer holds no
   * view of any batch and reads no further (the batches then end). Without it, or never called: nothing to do.
   */
  release: () => void;
}

/** The buffers one reused-buffer read took from the pool; after `release` the read takes no more. */
class ReadBuffers {
  private readonly taken: Uint8Array[] = [];
  released = false;

  /** Buffer `slot`, of at least `bytes` bytes. */
  get(slot: number, bytes: number): Uint8Array {
    if (this.released) throw new Error('the dataset was released before its batches were read');
    const current = this.taken[slot];
    if (current && current.length >= bytes) return current;
    const buffer = takeBuffer(bytes);
    // A buffer outgrown by a later batch goes back: the batch it held is no longer viewed.
    if (current) giveBackBuffers([current]);
    this.taken[slot] = buffer;
    return buffer;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    giveBackBuffers(this.taken.filter((b) => b !== undefined));
    this.taken.length = 0;
  }
}

/** A Node system error, checked by shape (errors can come from another realm). */
export function isNodeError(err: unknown): err is NodeJS.ErrnoException {
  return typeof err === 'object' && err !== null && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** Maps file-system errors to typed domain errors; other errors pass through unchanged. */
export function mapReadError(err: unknown, path: string): unknown {
  if (err instanceof DomainError || !isNodeError(err)) return err;
  if (err.code === 'ENOENT')
    return new DomainError(ErrorType.DatasetNotFound, `dataset not found: ${path}`, { cause: err });
  if (err.code === 'EACCES' || err.code === 'EISDIR' || err.code === 'EPERM') {
    return new DomainError(ErrorType.DatasetUnreadable, `cannot read dataset ${path}: ${err.code}`, { cause: err });
  }
  return err;
}

/** An Arrow reader's failure as DatasetCorrupt; domain and file-system errors pass through. */
export function arrowReadError(err: unknown, path: string): unknown {
  if (err instanceof DomainError || isNodeError(err)) return err;
  const reason = String(err).split('\n')[0];
  return new DomainError(ErrorType.DatasetCorrupt, `${path} is not a valid Arrow IPC file: ${reason}`, { cause: err });
}

/** Size of a regular file, or a typed error. */
export async function statDataset(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new DomainError(ErrorType.DatasetUnreadable, `${path} is not a regular file`);
    return info.size;
  } catch (err) {
    throw mapReadError(err, path);
  }
}

/** The file's bytes through a transform that hashes them and reports progress on the way. */
export function hashedStream(
  path: string,
  size: number,
  options: OpenDatasetOptions,
): { stream: Readable; digest: () => Promise<string> } {
  const hash = createHash('sha256');
  let bytesRead = 0;
  const file = createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
  const hashing = new Transform({
    readableHighWaterMark: 1 << 20,
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytesRead += chunk.length;
      options.onProgress?.(bytesRead, size);
      done(null, chunk);
    },
  });
  const digest = new Promise<string>((resolveDigest, reject) => {
    hashing.on('end', () => resolveDigest(hash.digest('hex')));
    hashing.on('error', reject);
  });
  digest.catch(() => undefined);
  file.on('error', (err) => hashing.destroy(err));
  file.pipe(hashing);
  return { stream: hashing, digest: () => digest };
}

/**
 * A file handle for Arrow's reader that refuses to read more than a few times the file's size. A corrupt message
 * length can send the reader back over the same bytes forever; this turns that loop into DatasetCorrupt.
 */
function boundedHandle(handle: FileHandle, size: number, path: string): FileHandle {
  // Every read costs its length plus a little, so that a loop of empty reads runs out too.
  let budget = 4 * size + (1 << 20);
  const read = (buffer: Uint8Array, offset: number, length: number, position: number) => {
    budget -= Math.max(0, length) + 64;
    if (budget < 0) {
      return Promise.reject(
        new DomainError(ErrorType.DatasetCorrupt, `${path} is not a valid Arrow IPC file: its messages do not add up`),
      );
    }
    return handle.read(buffer, offset, length, position);
  };
  // Arrow recognises a file handle by `fd` and `stat`, and uses only `stat`, `read` and `close`.
  return { fd: handle.fd, stat: () => handle.stat(), read, close: () => handle.close() } as unknown as FileHandle;
}

async function* arrowBatches(path: string, size: number, reuse?: ReadBuffers): AsyncGenerator<DataBatch> {
  let offset = 0;
  // A file handle gives Arrow random access: each record batch is read at its offset, without joining the file.
  const handle = await open(path, 'r');
  try {
    await assertArrowStructure(handle, size, path);
    const reader = await RecordBatchReader.from(boundedHandle(handle, size, path));
    // Opening a file reader reads its footer, which says where the batches lie.
    const footer = reuse && reader.isFile() ? (await reader.open()).footer : null;
    if (footer && footer.numDictionaries === 0) {
      yield* reusedBufferBatches(handle, size, footer, reader.schema, reuse as ReadBuffers);
      return;
    }
    for await (const batch of reader) {
      yield { batch, offset };
      offset += batch.numRows;
    }
  } catch (err) {
    throw arrowReadError(err, path);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The footer of an Arrow IPC file: where its record batches lie. */
type ArrowFooter = NonNullable<AsyncRecordBatchFileReader['footer']>;

/** Reads exactly `length` bytes at `position` into `into` at `at`; a short file is an error. */
async function readFully(handle: FileHandle, into: Uint8Array, at: number, length: number, position: number) {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/**
 * The record batches of an Arrow IPC file without dictionaries, each read with one `read` into a buffer of a small
 * pool that starts with the file's schema as a stream message: the buffer is then a one-batch Arrow stream, which
 * Arrow decodes into views of it, copying nothing.
 */
async function* reusedBufferBatches(
  handle: FileHandle,
  size: number,
  footer: ArrowFooter,
  schemaOf: Schema,
  buffers: ReadBuffers,
): AsyncGenerator<DataBatch> {
  // The schema as a stream's first message (the stream of an empty table, less its 8-byte end marker).
  const stream = tableToIPC(new Table(schemaOf), 'stream');
  const schema = stream.subarray(0, stream.length - 8);
  const schemaLength = schema.length;
  let offset = 0;
  for (let i = 0; i < footer.numRecordBatches; i++) {
    const block = footer.getRecordBatch(i);
    const length = block ? block.metaDataLength + Number(block.bodyLength) : -1;
    if (!block || !Number.isSafeInteger(length) || length <= 0 || block.offset < 8 || block.offset + length > size) {
      throw new Error(`record batch ${i} lies outside the file`);
    }
    // A pooled buffer holds whatever its last read left, so the schema is written again each time.
    const buffer = buffers.get(i % REUSED_BUFFERS, schemaLength + length);
    buffer.set(schema);
    await readFully(handle, buffer, schemaLength, length, block.offset);
    const next = RecordBatchReader.from(buffer.subarray(0, schemaLength + length))
      .open()
      .next();
    if (next.done) throw new Error(`record batch ${i} holds no batch`);
    yield { batch: next.value, offset };
    offset += next.value.numRows;
  }
}

async function* parquetBatches(path: string, signal?: AbortSignal): AsyncGenerator<DataBatch> {
  let offset = 0;
  for await (const batch of readParquetBatches(path, { signal })) {
    yield { batch, offset };
    offset += batch.numRows;
  }
}

/** The file's bytes as a stream that reports progress (CSV is parsed from it). */
function countedStream(path: string, size: number, options: OpenDatasetOptions): Readable {
  let bytesRead = 0;
  const file = createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
  file.on('data', (chunk: Buffer | string) => {
    bytesRead += chunk.length;
    options.onProgress?.(bytesRead, size);
  });
  return file;
}

/**
 * Opens a CSV, Arrow IPC or Parquet file for one streaming pass. The file's sha256 is computed in a worker thread
 * while the batches are decoded here (see file-digest.ts).
 */
export async function openDataset(path: string, options: OpenDatasetOptions = {}): Promise<DatasetStream> {
  const absolute = resolve(path);
  const format = detectFormat(absolute);
  const bytes = await statDataset(absolute);
  const csv = format === DatasetFormat.csv;
  const hashing = digestFile(absolute, bytes, csv ? undefined : (hashed) => options.onProgress?.(hashed, bytes));
  let batches: AsyncGenerator<DataBatch>;
  let close = hashing.cancel;
  const reused = options.reuseBuffers && format === DatasetFormat.arrow ? new ReadBuffers() : undefined;
  if (csv) {
    const stream = countedStream(absolute, bytes, options);
    close = () => {
      stream.destroy();
      hashing.cancel();
    };
    batches = readCsvBatches(stream, { path: absolute, types: options.types, batchRows: options.batchRows });
  } else if (format === DatasetFormat.arrow) {
    batches = arrowBatches(absolute, bytes, reused);
  } else {
    batches = parquetBatches(absolute, options.signal);
  }
  // Batches of typed formats also report progress, so a consumer slower than the hashing keeps heartbeating.
  const ping = csv ? undefined : () => options.onProgress?.(hashing.bytesHashed(), bytes);
  return {
    path: absolute,
    format,
    bytes,
    batches: guard(batches, absolute, close, ping),
    sha256: () => hashing.digest().catch((err: unknown) => Promise.reject(mapReadError(err, absolute))),
    release: () => reused?.release(),
  };
}

/** Maps read errors to domain errors; closes the file stream when iteration stops early. */
async function* guard(
  batches: AsyncGenerator<DataBatch>,
  path: string,
  close: () => void,
  ping?: () => void,
): AsyncGenerator<DataBatch> {
  let completed = false;
  try {
    for await (const batch of batches) {
      ping?.();
      yield batch;
    }
    completed = true;
  } catch (err) {
    throw mapReadError(err, path);
  } finally {
    // After a complete read the digest finishes by itself.
    if (!completed) close();
  }
}
