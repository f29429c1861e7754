/**
 * The worker threads of `scanTableParallel`: the column format they share with the main thread, the pool that
 * runs them, and their body, which rebuilds a column over shared memory and runs the same TableScanner on it that
 * `scanTable` runs, so the accumulator code and maths are those of a serial scan.
 */
import { extname } from 'node:path';
import { parentPort, Worker } from 'node:worker_threads';
import {
  Bool,
  Data,
  DataType,
  Date_,
  Dictionary,
  Field,
  Float,
  Int,
  LargeUtf8,
  RecordBatch,
  Schema,
} from 'apache-arrow';
import { makeData, Struct, Timestamp, Type, Utf8, vectorFromArray } from 'apache-arrow';
import type { DateUnit, Precision, TimeUnit } from 'apache-arrow';
import type { ColumnRule } from './contract';
import { numberArray } from './numeric-accumulator';
import type { ColumnProfile, ValidationFailure } from './report';
import { TableScanner, typeSatisfies } from './scanner';
import type { ColumnTypeName } from './types';

/** An Arrow type the workers can rebuild; other types cross as dictionary-encoded strings. */
export type TypeDescription =
  | { id: 'int'; signed: boolean; bitWidth: 8 | 16 | 32 | 64 }
  | { id: 'float'; precision: Precision }
  | { id: 'bool' }
  | { id: 'utf8' }
  | { id: 'large-utf8' }
  | { id: 'timestamp'; unit: TimeUnit; timezone: string | null }
  | { id: 'date'; unit: DateUnit }
  /** Dictionary-encoded values; the dictionary crosses as strings (the only way the scan reads it). */
  | { id: 'dictionary'; signed: boolean; bitWidth: 8 | 16 | 32 | 64 };

/** One Arrow Data of a column, its buffers in SharedArrayBuffers (views, not copies, on the worker side). */
export interface SharedData {
  type: TypeDescription;
  offset: number;
  length: number;
  nullCount: number;
  values?: ArrayBufferView;
  valueOffsets?: ArrayBufferView;
  nullBitmap?: Uint8Array;
  dictionary?: string[];
}

/** One column to scan: its batches in dataset order and what the serial scan would know about it. */
export interface ColumnTask {
  id: number;
  name: string;
  /** The logical type the serial scan gives the column (from the original Arrow type). */
  type: ColumnTypeName;
  /** Seed of the column's reservoir sample: the scan's seed plus the column's index in the schema. */
  seed: number;
  sampleSize: number;
  /** With a contract: the column's rule (if any) and the contract's allowExtraColumns. */
  contract?: { rule?: ColumnRule; allowExtraColumns?: boolean };
  batches: SharedData[];
}

/** A scanned column: its profile and its failures, grouped as the serial report orders them. */
export interface ColumnScan {
  profile: ColumnProfile;
  /** allowExtraColumns (a dataset-level check). */
  extra: ValidationFailure[];
  /** The contract's type against the column's type. */
  type: ValidationFailure[];
  /** Value checks: nullable, maxNullFraction, min, max, allowedValues, unique. */
  column: ValidationFailure[];
}

/**
 * A worker's answer. A numeric profile's sample crosses as a Float64Array in `sample` (its memory transferred)
 * and goes back into the profile as an array on the main thread: cloning a plain array of 100k numbers took the
 * worker about 5 ms per column, between columns.
 */
type ScanReply = { id: number; scan: ColumnScan; sample?: Float64Array } | { id: number; error: unknown };

/** The type's description for a worker, or undefined when the scan reads the column as strings. */
export function describeType(type: DataType): TypeDescription | undefined {
  if (DataType.isDictionary(type)) {
    return { id: 'dictionary', signed: type.indices.isSigned, bitWidth: type.indices.bitWidth };
  }
  if (DataType.isInt(type)) return { id: 'int', signed: type.isSigned, bitWidth: type.bitWidth };
  if (DataType.isFloat(type)) return { id: 'float', precision: type.precision };
  if (DataType.isTimestamp(type)) return { id: 'timestamp', unit: type.unit, timezone: type.timezone ?? null };
  if (DataType.isDate(type)) return { id: 'date', unit: type.unit };
  if (type.typeId === Type.Bool) return { id: 'bool' };
  if (type.typeId === Type.Utf8) return { id: 'utf8' };
  if (type.typeId === Type.LargeUtf8) return { id: 'large-utf8' };
  return undefined;
}

function typeFromDescription(type: TypeDescription): DataType {
  switch (type.id) {
    case 'int':
      return new Int(type.signed, type.bitWidth);
    case 'float':
      return new Float(type.precision);
    case 'bool':
      return new Bool();
    case 'utf8':
      return new Utf8();
    case 'large-utf8':
      return new LargeUtf8();
    case 'timestamp':
      return new Timestamp(type.unit, type.timezone);
    case 'date':
      return new Date_(type.unit);
    case 'dictionary': {
      const indices: DataType = new Int(type.signed, type.bitWidth);
      return new Dictionary(new Utf8(), indices as Dictionary['indices']);
    }
  }
}

/** Rebuilds the Arrow Data over the shared buffers, with the original offset so bitmaps read the same bits. */
function dataFromShared(shared: SharedData): Data {
  const dictionary = shared.dictionary ? vectorFromArray(shared.dictionary, new Utf8()) : undefined;
  const buffers = [shared.valueOffsets, shared.values, shared.nullBitmap] as unknown as ConstructorParameters<
    typeof Data
  >[4];
  const type = typeFromDescription(shared.type);
  return new Data(type, shared.offset, shared.length, shared.nullCount, buffers, [], dictionary);
}

function singleColumnBatch(name: string, data: Data): RecordBatch {
  const field = new Field(name, data.type, true);
  const struct = makeData({ type: new Struct([field]), length: data.length, nullCount: 0, children: [data] });
  return new RecordBatch(new Schema([field]), struct);
}

/** Scans one column with a TableScanner of its own, fed the same batches `scanTable` would feed it. */
export function scanColumn(task: ColumnTask): ColumnScan {
  const { name, contract } = task;
  const rule = contract?.rule;
  const scanner = new TableScanner({
    // Only the column's own rule: required columns and row bounds are checked once, by the caller.
    contract: contract
      ? { columns: rule ? { [name]: rule } : {}, allowExtraColumns: contract.allowExtraColumns }
      : undefined,
    sampleSize: task.sampleSize,
    seed: task.seed,
  });
  scanner.expectValues([task.batches.reduce((sum, shared) => sum + shared.length - shared.nullCount, 0)]);
  let offset = 0;
  for (const shared of task.batches) {
    scanner.add(singleColumnBatch(name, dataFromShared(shared)), offset, undefined, { [name]: task.type });
    offset += shared.length;
  }
  const { profiles, validation } = scanner.finish();
  const failures = validation?.failures ?? [];
  // The scanner lists dataset-level failures first, then the type failure, then the value checks.
  let extras = 0;
  while (extras < failures.length && failures[extras].check === 'allowExtraColumns') extras++;
  const typeFailures = rule && !typeSatisfies(task.type, rule.type) ? 1 : 0;
  return {
    profile: profiles[name],
    extra: failures.slice(0, extras),
    type: failures.slice(extras, extras + typeFailures),
    column: failures.slice(extras + typeFailures),
  };
}

/** Answers column tasks posted to this worker thread, one at a time, in the order they arrive. */
export function serveScans(): void {
  const port = parentPort;
  if (!port) throw new Error('serveScans runs in a worker thread');
  port.on('message', (task: ColumnTask) => {
    let reply: ScanReply;
    const transfer: ArrayBuffer[] = [];
    try {
      const scan = scanColumn(task);
      reply = { id: task.id, scan };
      if (scan.profile.kind === 'numeric') {
        const { sample, ...profile } = scan.profile;
        const values = new Float64Array(sample.length);
        for (let i = 0; i < sample.length; i++) values[i] = sample[i];
        reply = { id: task.id, scan: { ...scan, profile: { ...profile, sample: [] } }, sample: values };
        transfer.push(values.buffer);
      }
    } catch (error) {
      reply = { id: task.id, error };
    }
    port.postMessage(reply, transfer);
  });
}

/** Evaluated in each worker: loads this module, through tsx when it is TypeScript (as under tsx or jest). */
const BOOTSTRAP = `'use strict';
const { workerData } = require('node:worker_threads');
if (workerData.tsx) require(workerData.tsx).register();
require(workerData.module).serveScans();
`;

/** A pooled worker thread; it holds the process open only while it has tasks. */
class ScanWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (scan: ColumnScan) => void; reject: (e: unknown) => void }>();
  private nextId = 0;

  constructor(private readonly onGone: (worker: ScanWorker) => void) {
    const tsx = extname(__filename) === '.ts' ? require.resolve('tsx/cjs/api') : undefined;
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: { module: __filename, tsx } });
    this.worker.unref();
    this.worker.on('message', (reply: ScanReply) => this.settle(reply));
    this.worker.on('error', (err: Error) => this.fail(err));
    this.worker.on('exit', (code: number) => this.fail(new Error(`scan worker exited with code ${code}`)));
  }

  /** Scans one column on this worker. */
  run(task: Omit<ColumnTask, 'id'>): Promise<ColumnScan> {
    const id = this.nextId++;
    return new Promise<ColumnScan>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...task, id });
    });
  }

  /** Ends the thread. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private settle(reply: ScanReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('scan' in reply) {
      const { scan, sample } = reply;
      if (sample && scan.profile.kind === 'numeric') scan.profile.sample = numberArray(sample);
      waiting.resolve(scan);
    } else waiting.reject(reply.error);
  }

  private fail(err: Error): void {
    this.onGone(this);
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }
}

const pool: ScanWorker[] = [];

/** The first `count` pooled workers, started on first use and kept for later scans. */
export function scanWorkers(count: number): ScanWorker[] {
  const gone = (worker: ScanWorker): void => {
    const index = pool.indexOf(worker);
    if (index >= 0) pool.splice(index, 1);
  };
  while (pool.length < count) pool.push(new ScanWorker(gone));
  return pool.slice(0, count);
}

/** Ends the pooled scan workers; a later scan starts new ones. */
export async function closeScanWorkers(): Promise<void> {
  const workers = pool.splice(0, pool.length);
  await Promise.all(workers.map((worker) => worker.terminate()));
}
