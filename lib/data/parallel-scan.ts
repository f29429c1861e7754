/**
 * `scanTable` on worker threads: the columns are split into one contiguous range per thread, each column is
 * validated and profiled in its range's worker, and the results merge into exactly what `scanTable` returns.
 *
 * Columns cross through SharedArrayBuffers: each Arrow buffer is copied once, or passed as it is when it already
 * lives in one (`shareTable` makes a table so, for tables scanned many times); strings cross only as dictionaries.
 * Workers rebuild each column over the shared memory and run the same TableScanner on the same batches as the
 * serial scan, so every number, sample and failure is bit-identical. Batches are not cut into smaller chunks: the
 * numeric accumulator's moments depend on batch boundaries (chunking would change the last bits of mean and std),
 * and on 10M-row columns chunks of 16k–1M values ran no faster than one batch (its loops are bound by
 * computation, not by memory).
 */
import { availableParallelism } from 'node:os';
import { Data, DataType, makeData, makeVector, RecordBatch, Schema, Struct, Table } from 'apache-arrow';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { categoricalValues, columnTypeOf } from './columns';
import type { DataContract } from './contract';
import type { ValidationFailure } from './report';
import { scanTable } from './scan';
import { describeType, scanWorkers } from './scan-worker';
import type { ColumnScan, ColumnTask, SharedData, TypeDescription } from './scan-worker';
import { TableScanner } from './scanner';
import type { ScannerOptions } from './scanner';
import { ColumnType } from './types';

export { closeScanWorkers } from './scan-worker';

type Buffers = ConstructorParameters<typeof Data>[4];

/** Options of `scanTableParallel`. */
export interface ParallelScanOptions extends ScannerOptions {
  /** Worker threads, at most one per column; `os.availableParallelism()` by default. */
  threads?: number;
}

/** Validates and profiles an in-memory Arrow table on worker threads; the result equals `scanTable`'s. */
export async function scanTableParallel(
  table: Table,
  options: ParallelScanOptions = {},
): Promise<ReturnType<typeof scanTable>> {
  const requested = options.threads ?? availableParallelism();
  if (!Number.isSafeInteger(requested) || requested < 1) {
    throw new DomainError(ErrorType.InvalidInput, `threads must be a whole number >= 1, got ${requested}`);
  }
  const fields = table.schema.fields;
  // Without batches the serial scan sees no schema at all; there is nothing to spread over threads either.
  if (table.batches.length === 0 || fields.length === 0) return scanTable(table, options);
  const { contract } = options;
  const sampleSize = options.sampleSize ?? 100_000;
  const seed = options.seed ?? 42;
  const task = (c: number): Omit<ColumnTask, 'id'> => ({
    name: fields[c].name,
    type: columnTypeOf(fields[c].type) ?? ColumnType.string,
    seed: seed + c,
    sampleSize,
    contract: contract && { rule: contract.columns[fields[c].name], allowExtraColumns: contract.allowExtraColumns },
    batches: table.batches.map((batch) => shareData(batch.data.children[c])),
  });
  const workers = scanWorkers(Math.min(requested, fields.length));
  const scans = await runQueue(columnOrder(fields.map((_, c) => columnCost(table, c))), workers, task);
  const rows = table.numRows;
  const profile = {
    version: 1 as const,
    seed,
    sampleSize,
    columns: Object.fromEntries(fields.map((field, c) => [field.name, scans[c].profile])),
    rows,
  };
  if (!contract) return { validation: undefined, profile };
  const { required, bounds } = datasetFailures(contract, table.schema, rows);
  const failures = [
    ...required,
    ...scans.flatMap((s) => s.extra),
    ...bounds,
    ...scans.flatMap((s) => s.type),
    ...scans.flatMap((s) => s.column),
  ];
  return { validation: { valid: failures.length === 0, rows, failures }, profile };
}

/**
 * A rough cost of scanning column `c`, in units of one value read: 64-bit integers are converted chunk by chunk
 * before the scan, doubles are read in place (with nulls, their positions are found and taken out too), dictionary
 * codes are only counted, and other strings are encoded on the main thread first.
 */
function columnCost(table: Table, c: number): number {
  let cost = 0;
  for (const batch of table.batches) {
    const data = batch.data.children[c];
    if (!data) continue;
    const type = columnTypeOf(data.type);
    if (DataType.isDictionary(data.type)) cost += data.length * 0.3;
    else if (type === ColumnType.string || type === ColumnType.bool) cost += data.length;
    else cost += data.length * (data.values instanceof BigInt64Array ? 1.3 : data.nullCount > 0 ? 1.1 : 1);
  }
  return cost;
}

/** Column indices by cost, largest first (ties in schema order): the cheap columns even out the threads' ends. */
export function columnOrder(costs: number[]): number[] {
  return costs.map((_, c) => c).sort((a, b) => costs[b] - costs[a] || a - b);
}

/**
 * Runs the columns, in the given order, on the workers: each worker keeps two columns in flight (the next one is
 * copied into shared memory, when it must be, while the worker scans the current one) and takes the next column
 * from the queue when one finishes, so a worker that is done early takes on more. Which worker scans a column does
 * not change its result.
 */
async function runQueue(
  order: number[],
  workers: ReturnType<typeof scanWorkers>,
  task: (c: number) => Omit<ColumnTask, 'id'>,
): Promise<ColumnScan[]> {
  const scans: ColumnScan[] = [];
  let taken = 0;
  let failed = false;
  const start = (w: number): { c: number; running: Promise<ColumnScan> } | undefined => {
    if (failed || taken >= order.length) return undefined;
    const c = order[taken++];
    const running = workers[w].run(task(c));
    running.catch(() => undefined); // awaited below; this only keeps an abandoned one from going unhandled
    return { c, running };
  };
  const first = workers.map((_, w) => start(w));
  await Promise.all(
    workers.map(async (_, w) => {
      let current = first[w];
      while (current) {
        const next = start(w);
        try {
          scans[current.c] = await current.running;
        } catch (err) {
          failed = true;
          throw err;
        }
        current = next;
      }
    }),
  );
  return scans;
}

/** Required-column and row-bound failures, from a TableScanner fed a batch with the table's rows and no columns. */
function datasetFailures(
  contract: DataContract,
  schema: Schema,
  rows: number,
): { required: ValidationFailure[]; bounds: ValidationFailure[] } {
  const present = new Set(schema.fields.map((field) => field.name));
  const missing = Object.entries(contract.columns).filter(([name]) => !present.has(name));
  const scanner = new TableScanner({ contract: { columns: Object.fromEntries(missing), rows: contract.rows } });
  const empty = makeData({ type: new Struct([]), length: rows, nullCount: 0, children: [] });
  scanner.add(new RecordBatch(new Schema([]), empty), 0);
  const failures = scanner.finish().validation?.failures ?? [];
  return {
    required: failures.filter((f) => f.column !== null),
    bounds: failures.filter((f) => f.column === null),
  };
}

/** The view itself when its memory is already shared, otherwise one copy of its bytes into a SharedArrayBuffer. */
function shared<T extends ArrayBufferView>(view: T | null | undefined): T | undefined {
  if (!view) return undefined;
  if (view.buffer instanceof SharedArrayBuffer) return view;
  const memory = new SharedArrayBuffer(view.byteLength);
  new Uint8Array(memory).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const Constructor = view.constructor as new (buffer: SharedArrayBuffer) => T;
  return new Constructor(memory);
}

/** One column's Data in shared memory; types the workers cannot rebuild cross as the scan's string codes. */
function shareData(data: Data): SharedData {
  const type = describeType(data.type);
  if (!type) return shareCodes(categoricalValues(makeVector(data)));
  const dictionary = data.dictionary?.toArray() as unknown[] | undefined;
  const values = data.values as ArrayBufferView | undefined;
  return {
    type,
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    values: shared(values),
    valueOffsets: shared(data.valueOffsets as ArrayBufferView | undefined),
    nullBitmap: shared(data.nullBitmap),
    // The scan reads a dictionary's values as strings, so only strings cross.
    dictionary: type.id === 'dictionary' && dictionary ? dictionary.map((v) => String(v)) : undefined,
  };
}

/** Dictionary codes (−1 = null) as a dictionary column whose validity bitmap marks the nulls. */
function shareCodes({ codes, dictionary }: { codes: Int32Array; dictionary: string[] }): SharedData {
  const bitmap = new Uint8Array(new SharedArrayBuffer(Math.ceil(codes.length / 8)));
  let nulls = 0;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] < 0) nulls++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  const type: TypeDescription = { id: 'dictionary', signed: true, bitWidth: 32 };
  return {
    type,
    offset: 0,
    length: codes.length,
    nullCount: nulls,
    values: shared(codes),
    nullBitmap: bitmap,
    dictionary,
  };
}

/**
 * The table with every Arrow buffer copied once into a SharedArrayBuffer: parallel scans of the result hand the
 * workers its memory as it is instead of copying each column again (worthwhile when a table is scanned more than
 * once; the first copy costs what one scan's copies cost).
 */
export function shareTable(table: Table): Table {
  return mapTableBuffers(table, shared);
}

/** The table rebuilt with each Arrow buffer (offsets, values, validity, type ids) replaced by `map`'s result. */
export function mapTableBuffers(
  table: Table,
  map: <T extends ArrayBufferView>(view: T | null | undefined) => T | undefined,
): Table {
  const mapData = (data: Data): Data =>
    new Data(
      data.type,
      data.offset,
      data.length,
      data.nullCount,
      [map(data.valueOffsets), map(data.values), map(data.nullBitmap), map(data.typeIds)] as unknown as Buffers,
      data.children.map(mapData),
      data.dictionary,
    );
  const batches = table.batches.map((batch) => {
    const children = batch.data.children.map(mapData);
    const struct = makeData({ type: new Struct(batch.schema.fields), length: batch.numRows, nullCount: 0, children });
    return new RecordBatch(batch.schema, struct);
  });
  return new Table(table.schema, batches);
}
