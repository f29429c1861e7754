/**
 * Columnar views over Arrow vectors for the kernels: numeric columns as Float64Array with NaN for null,
 * categorical columns as dictionary codes with -1 for null. No row objects.
 */
import { DataType, Type } from 'apache-arrow';
import type { Data, Field, Vector } from 'apache-arrow';
import { ColumnType } from './types';
import type { ColumnTypeName } from './types';

/** The logical type of an Arrow field, or undefined for types the data plane does not handle. */
export function columnTypeOf(type: DataType): ColumnTypeName | undefined {
  if (DataType.isDictionary(type)) return columnTypeOf(type.dictionary);
  switch (type.typeId) {
    case Type.Int:
      return ColumnType.int64;
    case Type.Float:
      return ColumnType.float64;
    case Type.Utf8:
    case Type.LargeUtf8:
      return ColumnType.string;
    case Type.Bool:
      return ColumnType.bool;
    case Type.Timestamp:
    case Type.Date:
      return ColumnType.timestamp;
    default:
      return undefined;
  }
}

/** Field name and logical type of every supported column of a schema. */
export function schemaColumns(fields: Field[]): { name: string; type: ColumnTypeName | undefined }[] {
  return fields.map((f) => ({ name: f.name, type: columnTypeOf(f.type) }));
}

function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const bit = data.offset + i;
  return (bitmap[bit >> 3] & (1 << (bit & 7))) !== 0;
}

/** Timestamp and date units converted to milliseconds since the epoch. */
function toMillisFactor(type: DataType): number {
  if (type.typeId === Type.Timestamp || type.typeId === Type.Date) {
    const unit = (type as unknown as { unit: number }).unit;
    // TimeUnit: 0 s, 1 ms, 2 µs, 3 ns; DateUnit: 0 day, 1 ms.
    if (type.typeId === Type.Date) return unit === 0 ? 86_400_000 : 1;
    return [1000, 1, 1e-3, 1e-6][unit] ?? 1;
  }
  return 1;
}

/**
 * Sets NaN in `out[0, length)` at every null among rows [from, from + length) of `data`, 8 rows at a time, and
 * returns how many there were; with `nullRows`, their positions in `out` are written there too, in order.
 */
function applyNulls(data: Data, out: Float64Array, from: number, length: number, nullRows?: Int32Array): number {
  const nulls = nullPositions(data, from, length, nullRows ?? scratchRows(length));
  const rows = nullRows ?? positions;
  for (let j = 0; j < nulls; j++) out[rows[j]] = NaN;
  return nulls;
}

let positions = new Int32Array(0);
function scratchRows(length: number): Int32Array {
  if (positions.length < length) positions = new Int32Array(length);
  return positions;
}

/**
 * Writes the positions (relative to `from`, in order) of the nulls among rows [from, from + length) of `data` into
 * `nullRows` (at least `length` long) and returns how many there are; the validity bitmap is read a byte at a time
 * where a byte marks 8 valid rows.
 */
export function nullPositions(data: Data, from: number, length: number, nullRows: Int32Array): number {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return 0;
  let nulls = 0;
  for (let i = 0; i < length;) {
    const bit = data.offset + from + i;
    if ((bit & 7) === 0 && i + 8 <= length && bitmap[bit >> 3] === 0xff) {
      i += 8;
      continue;
    }
    if ((bitmap[bit >> 3] & (1 << (bit & 7))) === 0) nullRows[nulls++] = i;
    i++;
  }
  return nulls;
}

/** Copies 64-bit integers as doubles through 32-bit halves (exact up to 2^53, no BigInt per value). */
function copyInt64(
  values: BigInt64Array | BigUint64Array,
  out: Float64Array,
  from: number,
  length: number,
  factor: number,
): void {
  const words = new Uint32Array(values.buffer, values.byteOffset + from * 8, length * 2);
  const signed = values instanceof BigInt64Array;
  for (let i = 0; i < length; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    const high = signed ? hi | 0 : hi;
    out[i] = (high * 4294967296 + lo) * factor;
  }
}

/** True when rows of `data` can be read in place as doubles: float64 without nulls or unit conversion. */
export function isPlainFloat64(data: Data): boolean {
  return data.nullCount === 0 && isFloat64(data);
}

/** True when the values of `data` are doubles as they are (float64, no unit conversion), nulls or not. */
export function isFloat64(data: Data): boolean {
  return data.values instanceof Float64Array && toMillisFactor(data.type) === 1;
}

/**
 * Rows [from, from + length) of one chunk of a numeric (int, float, timestamp, date) column as doubles in
 * `out[0, length)`, NaN where null. Scans convert a cache-sized run of rows at a time into one reused buffer.
 * Returns the count of nulls; with `nullRows` (at least `length` long), their positions in `out` go there.
 */
export function numericChunk(
  data: Data,
  from: number,
  length: number,
  out: Float64Array,
  nullRows?: Int32Array,
): number {
  const values = data.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  const factor = toMillisFactor(data.type);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    copyInt64(values, out, from, length, factor);
  } else if (values instanceof Float64Array && factor === 1) {
    out.set(values.subarray(from, from + length));
  } else {
    for (let i = 0; i < length; i++) out[i] = values[from + i] * factor;
  }
  return applyNulls(data, out, from, length, nullRows);
}

/**
 * The values of a numeric (int, float, timestamp, date) vector as one Float64Array, NaN where null.
 * A single null-free Float64 chunk is returned without copying.
 */
export function numericValues(vector: Vector): Float64Array {
  const chunks = vector.data;
  if (chunks.length === 1 && isPlainFloat64(chunks[0]))
    return (chunks[0].values as Float64Array).subarray(0, chunks[0].length);
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const data of chunks) {
    numericChunk(data, 0, data.length, out.subarray(at, at + data.length));
    at += data.length;
  }
  return out;
}

/** A categorical column: per-row codes into `dictionary`, -1 for null. */
export interface CategoricalValues {
  codes: Int32Array;
  dictionary: string[];
}

/** Dictionary-encodes a string, bool or dictionary vector (values as strings; bools as "true"/"false"). */
export function categoricalValues(vector: Vector): CategoricalValues {
  const codes = new Int32Array(vector.length);
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const codeOf = (value: string): number => {
    let code = index.get(value);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(value);
      index.set(value, code);
    }
    return code;
  };
  let at = 0;
  for (const data of vector.data) {
    if (DataType.isDictionary(data.type) && data.dictionary) {
      // Remap the chunk's dictionary once, then translate codes without touching strings.
      const chunkDictionary = data.dictionary.toArray() as unknown[];
      const remap = Int32Array.from(chunkDictionary, (v) => codeOf(String(v)));
      const keys = data.values as ArrayLike<number>;
      for (let i = 0; i < data.length; i++) codes[at + i] = isValid(data, i) ? remap[keys[i]] : -1;
    } else {
      const chunk = vector.data.length === 1 ? vector : null;
      for (let i = 0; i < data.length; i++) {
        if (!isValid(data, i)) {
          codes[at + i] = -1;
          continue;
        }
        const value = chunk ? chunk.get(i) : vector.get(at + i);
        codes[at + i] = codeOf(String(value));
      }
    }
    at += data.length;
  }
  return { codes, dictionary };
}
