/** CSV to Arrow record batches: header, quoting, UTF-8 (strict), empty fields as null, typed columns. */
import {
  Bool,
  Float64,
  Int64,
  makeData,
  makeVector,
  RecordBatch,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { CsvRecordParser } from './csv-parse';
import { inferType, parseBoolValue, parseFloatValue, parseIntValue, parseTimestampValue } from './csv-values';
import { ColumnType } from './types';
import type { ColumnTypeName } from './types';
import type { DataBatch } from './batch';

/** Options of `readCsvBatches`. */
export interface CsvReadOptions {
  /** Path, for error messages. */
  path: string;
  /** Explicit column types (e.g. from a contract); other columns are inferred from the first batch. */
  types?: Record<string, ColumnTypeName>;
  /** Rows per batch (and rows used for inference). */
  batchRows?: number;
}

/** Yields typed Arrow batches from a byte stream; values that do not parse as the column type become null and are reported. */
export async function* readCsvBatches(
  source: AsyncIterable<Uint8Array>,
  options: CsvReadOptions,
): AsyncGenerator<DataBatch> {
  const batchRows = options.batchRows ?? 65536;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parser = new CsvRecordParser();
  let header: string[] | undefined;
  let types: ColumnTypeName[] | undefined;
  let columns: (string | null)[][] = [];
  let lines: number[] = [];
  let offset = 0;
  let bytes = 0;
  const pending: DataBatch[] = [];

  const flush = () => {
    if (!header || lines.length === 0) return;
    types ??= header.map((name, c) => options.types?.[name] ?? inferType(columns[c]));
    pending.push(buildBatch(header, types, columns, offset));
    offset += lines.length;
    columns = header.map(() => []);
    lines = [];
  };
  const onRecord = (fields: (string | null)[], line: number) => {
    if (!header) {
      header = checkHeader(fields, options.path);
      columns = header.map(() => []);
      return;
    }
    if (fields.length !== header.length) {
      throw new DomainError(
        ErrorType.DatasetCorrupt,
        `${options.path}: record at line ${line} has ${fields.length} fields, the header has ${header.length}`,
      );
    }
    for (let c = 0; c < fields.length; c++) columns[c].push(fields[c]);
    lines.push(line);
    if (lines.length >= batchRows) flush();
  };

  for await (const chunk of source) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch (err) {
      throw new DomainError(ErrorType.DatasetCorrupt, `${options.path}: invalid UTF-8 after byte ${bytes}`, {
        cause: err,
      });
    }
    bytes += chunk.length;
    parser.push(text, onRecord);
    yield* pending.splice(0);
  }
  try {
    parser.push(decoder.decode(), onRecord);
  } catch (err) {
    throw new DomainError(ErrorType.DatasetCorrupt, `${options.path}: invalid UTF-8 at the end of the file`, {
      cause: err,
    });
  }
  try {
    parser.finish(onRecord);
  } catch (err) {
    if (err instanceof DomainError) throw new DomainError(err.type, `${options.path}: ${err.message}`, { cause: err });
    throw err;
  }
  if (!header) throw new DomainError(ErrorType.DatasetCorrupt, `${options.path}: CSV is empty: no header row`);
  flush();
  if (offset === 0) {
    // A header-only file still has a schema: zero rows of the explicit (or string) types.
    const h = header;
    types ??= h.map((name) => options.types?.[name] ?? ColumnType.string);
    pending.push(
      buildBatch(
        h,
        types,
        h.map(() => []),
        0,
      ),
    );
  }
  yield* pending.splice(0);
}

function checkHeader(fields: (string | null)[], path: string): string[] {
  const names = fields.map((f, i) => (f ?? '').trim() || `column_${i + 1}`);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name))
      throw new DomainError(ErrorType.DatasetCorrupt, `${path}: duplicate column name '${name}' in the header`);
    seen.add(name);
  }
  return names;
}

function validity(length: number): Uint8Array {
  return new Uint8Array(Math.ceil(length / 8));
}

/** Converts one batch of text columns to typed Arrow vectors, recording rows whose text did not parse. */
function buildBatch(
  header: string[],
  types: ColumnTypeName[],
  columns: (string | null)[][],
  offset: number,
): DataBatch {
  const vectors: Record<string, Vector> = {};
  const typeErrors = new Map<string, number[]>();
  header.forEach((name, c) => {
    const { vector, errors } = buildColumn(types[c], columns[c]);
    vectors[name] = vector;
    if (errors.length > 0) typeErrors.set(name, errors);
  });
  const batch = new RecordBatch(Object.fromEntries(Object.entries(vectors).map(([name, v]) => [name, v.data[0]])));
  return { batch, offset, typeErrors, declaredTypes: Object.fromEntries(header.map((n, c) => [n, types[c]])) };
}

function buildColumn(type: ColumnTypeName, texts: (string | null)[]): { vector: Vector; errors: number[] } {
  const n = texts.length;
  const errors: number[] = [];
  const bitmap = validity(n);
  let nullCount = 0;
  const markNull = () => nullCount++;
  const markValid = (i: number) => (bitmap[i >> 3] |= 1 << (i & 7));
  switch (type) {
    case ColumnType.float64: {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const t = texts[i];
        const v = t === null ? NaN : parseFloatValue(t);
        if (t !== null && Number.isNaN(v) && !/nan/i.test(t)) errors.push(i);
        if (Number.isNaN(v)) markNull();
        else {
          values[i] = v;
          markValid(i);
        }
      }
      return {
        vector: makeVector(makeData({ type: new Float64(), length: n, nullCount, data: values, nullBitmap: bitmap })),
        errors,
      };
    }
    case ColumnType.int64:
    case ColumnType.timestamp: {
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const t = texts[i];
        let v: bigint | undefined;
        if (t !== null) {
          if (type === ColumnType.int64) v = parseIntValue(t);
          else {
            const ms = parseTimestampValue(t);
            v = Number.isNaN(ms) ? undefined : BigInt(ms);
          }
          if (v === undefined) errors.push(i);
        }
        if (v === undefined) markNull();
        else {
          values[i] = v;
          markValid(i);
        }
      }
      const props = { length: n, nullCount, data: values, nullBitmap: bitmap };
      const vector =
        type === ColumnType.int64
          ? makeVector(makeData({ type: new Int64(), ...props }))
          : makeVector(makeData({ type: new TimestampMillisecond(), ...props }));
      return { vector, errors };
    }
    case ColumnType.bool: {
      const values = texts.map((t, i) => {
        if (t === null) return null;
        const v = parseBoolValue(t);
        if (v === undefined) errors.push(i);
        return v ?? null;
      });
      return { vector: vectorFromArray(values, new Bool()), errors };
    }
    case ColumnType.string:
      return { vector: vectorFromArray(texts, new Utf8()), errors };
  }
}
