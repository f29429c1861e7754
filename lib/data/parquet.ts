/**
 * Parquet reading and writing through parquet-wasm, one row group at a time.
 *
 * parquet-wasm runs in a short-lived worker thread: on corrupt data its Rust code panics inside a microtask
 * (`RuntimeError: unreachable`), which in the calling thread is an uncaught exception that ends the process, and
 * wasm memory never shrinks. The worker turns a panic into an `error` event, and its memory goes when it ends.
 *
 * Arrow types after a round trip (the writer embeds the Arrow schema, so they come back as written): double →
 * Float64, float → Float32, int64 → Int64 (BigInt64Array values), int32 → Int32, string → Utf8 (LargeUtf8 and
 * Dictionary<Int32, Utf8> stay so), bool → Bool, timestamp → Timestamp of the written unit, Date64 → Date64.
 * Files without an embedded Arrow schema follow arrow-rs's mapping (strings → Utf8, DATE → Date32, INT96 →
 * Timestamp<NANOSECOND>).
 */
import { open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RecordBatch, Schema, Table } from 'apache-arrow';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/** Options of `readParquetBatches`. */
export interface ReadParquetOptions {
  /** Stops the read between row groups (and abandons the one in flight); the signal's reason is thrown. */
  signal?: AbortSignal;
  /** Top-level columns to read, in the order the batches should hold them; all columns when absent. */
  columns?: string[];
}

/** What a Parquet footer says about the file, read without its data. */
export interface ParquetSchemaInfo {
  /** The Arrow schema the batches will have. */
  schema: Schema;
  /** Rows in the file. */
  numRows: number;
  /** Row groups in the file; each becomes one batch. */
  numRowGroups: number;
}

/** Options of `writeParquet`. */
export interface WriteParquetOptions {
  /** Page compression; snappy by default. */
  compression?: 'snappy' | 'zstd' | 'uncompressed';
  /** Most rows per row group, which bounds what a streaming reader holds; 128k by default. */
  rowGroupSize?: number;
}

/** parquet-wasm workers decoding one file's row groups side by side (fewer for files with fewer row groups). */
export const READ_WORKERS = Math.max(1, Math.min(2, availableParallelism()));

/** Rows per row group when the caller does not say: streams in batches of a few MiB per column. */
export const DEFAULT_ROW_GROUP_SIZE = 128 * 1024;

const COMPRESSION = { snappy: 'SNAPPY', zstd: 'ZSTD', uncompressed: 'UNCOMPRESSED' } as const;

type Reply =
  | { kind: 'meta'; rows: number; groups: number[]; schema: Uint8Array }
  | { kind: 'batch'; ipc: Uint8Array }
  | { kind: 'written'; parquet: Uint8Array }
  | { kind: 'error'; message: string; name?: string; code?: string }
  | { kind: 'crash'; message: string };

/**
 * Worker body (CommonJS, evaluated): `read` sends the footer, then one row group per index posted to it, decoded
 * one after another in the order asked.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { openAsBlob } = require('node:fs');
const pw = require(workerData.wasmPath);
const send = (msg, bytes) => parentPort.postMessage(msg, bytes ? [bytes.buffer] : []);
const fail = (err) => send({ kind: 'error', message: String((err && err.message) || err), name: err && err.name, code: err && err.code });
async function read() {
  const file = await pw.ParquetFile.fromFile(await openAsBlob(workerData.path));
  const meta = file.metadata();
  const groups = meta.rowGroups().map((group) => group.numRows());
  const schema = file.schema().intoIPCStream();
  send({ kind: 'meta', rows: meta.fileMetadata().numRows(), groups, schema }, schema);
  let queue = Promise.resolve();
  parentPort.on('message', (index) => {
    const whole = groups.length === 0;
    const options = whole ? { columns: workerData.columns } : { columns: workerData.columns, rowGroups: [index], batchSize: Math.max(1, groups[index]) };
    const decode = () => file.read(options).then((table) => { const ipc = table.intoIPCStream(); send({ kind: 'batch', ipc }, ipc); }, fail);
    queue = queue.then(decode);
  });
}
function write() {
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression[workerData.compression]).setMaxRowGroupSize(workerData.rowGroupSize).build();
  const table = pw.Table.fromIPCStream(new Uint8Array(workerData.ipc));
  workerData.ipc = undefined;
  const parquet = pw.writeParquet(table, props);
  send({ kind: 'written', parquet }, parquet);
}
if (workerData.op === 'write') { try { write(); } catch (err) { fail(err); } } else read().catch(fail);
`;

/** One parquet-wasm worker and the replies it has sent; it keeps the process alive only while awaited. */
class ParquetWorker {
  private readonly worker: Worker;
  private readonly replies: Reply[] = [];
  private waiting: ((reply: Reply) => void) | undefined;

  constructor(workerData: Record<string, unknown>, transferList: ArrayBuffer[] = []) {
    const wasmPath = require.resolve('parquet-wasm/node');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...workerData, wasmPath }, transferList });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.push(reply));
    this.worker.on('error', (err: Error) => this.push({ kind: 'crash', message: `${err.name}: ${err.message}` }));
    this.worker.on('exit', (code: number) => this.push({ kind: 'crash', message: `worker exited with code ${code}` }));
  }

  /** Asks for a row group. */
  request(index: number): void {
    this.worker.postMessage(index);
  }

  /** The next reply, or the signal's reason as soon as it aborts. */
  next(signal?: AbortSignal): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolvePromise, reject) => {
      const onAbort = (): void => {
        this.waiting = undefined;
        this.worker.unref();
        reject(abortReason(signal));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.ref();
      this.waiting = (reply) => {
        signal?.removeEventListener('abort', onAbort);
        this.worker.unref();
        resolvePromise(reply);
      };
    });
  }

  /** Ends the worker and frees its wasm memory. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private push(reply: Reply): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(reply);
    else this.replies.push(reply);
  }
}

/** Reads a Parquet file's Arrow schema and row count from its footer, without reading the data. */
export async function readParquetSchema(path: string): Promise<ParquetSchemaInfo> {
  await checkReadable(path);
  const worker = new ParquetWorker({ op: 'read', path: resolve(path) });
  try {
    const meta = expectReply(await worker.next(), 'meta', path);
    return { schema: tableFromIPC(meta.schema).schema, numRows: meta.rows, numRowGroups: meta.groups.length };
  } finally {
    await worker.close();
  }
}

/**
 * Streams a Parquet file as Arrow record batches in row-group order. Up to `READ_WORKERS` workers decode the next
 * row groups while the caller handles the current one, so memory is bounded by a few row groups (one per worker and
 * the one the caller holds). A file without rows yields one empty batch that carries the schema.
 */
export async function* readParquetBatches(path: string, options: ReadParquetOptions = {}): AsyncGenerator<RecordBatch> {
  const { signal } = options;
  const columns = options.columns ? [...new Set(options.columns)] : undefined;
  signal?.throwIfAborted();
  await checkReadable(path);
  const open = () => new ParquetWorker({ op: 'read', path: resolve(path), columns });
  const workers = [open()];
  try {
    const meta = expectReply(await workers[0].next(signal), 'meta', path);
    if (columns) checkColumns(tableFromIPC(meta.schema).schema, columns, path);
    const groups = Math.max(1, meta.groups.length);
    // Row group i decodes on worker i mod n; each worker keeps one group in flight, so the next groups decode
    // while the caller handles this one.
    const count = Math.min(READ_WORKERS, groups);
    while (workers.length < count) workers.push(open());
    for (let w = 1; w < count; w++) expectReply(await workers[w].next(signal), 'meta', path);
    for (let w = 0; w < count; w++) workers[w].request(w);
    for (let index = 0; index < groups; index++) {
      signal?.throwIfAborted();
      const worker = workers[index % count];
      const { ipc } = expectReply(await worker.next(signal), 'batch', path);
      // A row group decoded ahead is handed over at once; an abort since the caller asked for it still wins.
      signal?.throwIfAborted();
      if (index + count < groups) worker.request(index + count);
      for (const batch of tableFromIPC(ipc).batches) yield columns ? inColumnOrder(batch, columns) : batch;
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
}

/**
 * Writes an Arrow table as a Parquet file (snappy, 128k-row row groups unless told otherwise). The file is written
 * beside the target and renamed over it, so a crash never leaves a half-written file at `path`.
 */
export async function writeParquet(
  table: Table,
  path: string,
  options: WriteParquetOptions = {},
): Promise<{ bytes: number }> {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  if (!Number.isSafeInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new DomainError(ErrorType.InvalidInput, `rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  }
  const ipc = ownedBuffer(tableToIPC(table, 'stream'));
  const compression = COMPRESSION[options.compression ?? 'snappy'];
  const worker = new ParquetWorker({ op: 'write', ipc, compression, rowGroupSize }, [ipc]);
  let parquet: Uint8Array;
  try {
    parquet = expectReply(await worker.next(), 'written', path).parquet;
  } finally {
    await worker.close();
  }
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, parquet);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  return { bytes: parquet.byteLength };
}

function expectReply<K extends Reply['kind']>(reply: Reply, kind: K, path: string): Extract<Reply, { kind: K }> {
  if (reply.kind === kind) return reply as Extract<Reply, { kind: K }>;
  if (reply.kind !== 'error' && reply.kind !== 'crash') throw new Error(`parquet worker sent ${reply.kind}`);
  const reason = firstLine(reply.message);
  if (kind === 'written') {
    throw new DomainError(ErrorType.InvalidInput, `cannot write the table as Parquet to ${path}: ${reason}`);
  }
  if (reply.kind === 'error' && reply.code)
    throw mapFsError(Object.assign(new Error(reason), { code: reply.code }), path);
  if (reply.kind === 'error' && reply.name === 'NotReadableError') {
    throw new DomainError(ErrorType.DatasetUnreadable, `cannot read dataset ${path}: ${reason}`);
  }
  throw new DomainError(ErrorType.DatasetCorrupt, `${path} is not a valid Parquet file: ${reason}`);
}

function checkColumns(schema: Schema, columns: string[], path: string): void {
  const names = new Set(schema.fields.map((field) => field.name));
  const missing = columns.filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new DomainError(ErrorType.InvalidInput, `${path} has no column ${missing.map((n) => `"${n}"`).join(', ')}`);
  }
}

/** The batch with its columns in the order asked for (parquet-wasm returns them in file order). */
function inColumnOrder(batch: RecordBatch, columns: string[]): RecordBatch {
  const names = batch.schema.fields.map((field) => field.name);
  return batch.selectAt(columns.map((name) => names.indexOf(name)));
}

/** Fails with a typed error unless `path` is a regular file this process can open. */
async function checkReadable(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new DomainError(ErrorType.DatasetUnreadable, `${path} is not a regular file`);
    await (await open(path, 'r')).close();
  } catch (err) {
    throw mapFsError(err, path);
  }
}

function mapFsError(err: unknown, path: string): unknown {
  if (err instanceof DomainError || typeof err !== 'object' || err === null) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new DomainError(ErrorType.DatasetNotFound, `dataset not found: ${path}`, { cause: err });
  if (code === 'EACCES' || code === 'EISDIR' || code === 'EPERM') {
    return new DomainError(ErrorType.DatasetUnreadable, `cannot read dataset ${path}: ${code}`, { cause: err });
  }
  return err;
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0].trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function abortReason(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  return reason ?? Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

/** The bytes as an ArrayBuffer of their own, so it can be transferred to the worker without copying. */
function ownedBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const plain = Object.prototype.toString.call(bytes.buffer) === '[object ArrayBuffer]';
  return whole && plain ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
}
