/**
 * Growable columns of a prediction-log segment. Values are appended row by row into buffers that double, with the
 * validity bitmap (and, for text, the UTF-8 bytes and offsets) kept as they come, so that turning a window into Arrow
 * vectors copies nothing per row: a busy window holds over 100 000 rows, and its write runs on the gateway's only
 * thread, where Arrow's builders (about 2 µs a string) stalled every request for a fraction of a second.
 */
import { Float64, makeData, makeVector, TimestampMillisecond, Utf8 } from 'apache-arrow';
import type { Vector } from 'apache-arrow';

/** Which rows hold a value. */
class Validity {
  private bitmap = new Uint8Array(16);
  nullCount = 0;

  set(row: number, valid: boolean): void {
    const byte = row >> 3;
    if (byte >= this.bitmap.length) {
      const grown = new Uint8Array(Math.max(this.bitmap.length * 2, byte + 1));
      grown.set(this.bitmap);
      this.bitmap = grown;
    }
    if (valid) this.bitmap[byte] |= 1 << (row & 7);
    else this.nullCount++;
  }

  /** The bitmap of the first `rows` rows; null when every row is valid, as Arrow wants it. */
  view(rows: number): Uint8Array | null {
    return this.nullCount > 0 ? this.bitmap.subarray(0, (rows + 7) >> 3) : null;
  }
}

/** Numbers (float64, int32 and timestamp columns alike) in a float64 buffer; NaN is a missing value. */
export class NumberColumn {
  length = 0;
  private values = new Float64Array(64);
  private readonly validity = new Validity();

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = value;
    this.validity.set(this.length, !Number.isNaN(value));
    this.length++;
  }

  /** The column as an Arrow vector: float64 and timestamps with NaN as null, int32 with NaN as 0. */
  toVector(kind: 'float64' | 'int32' | 'timestamp'): Vector {
    const values = this.values.subarray(0, this.length);
    const nullBitmap = this.validity.view(this.length);
    const nullCount = this.validity.nullCount;
    if (kind === 'int32') return makeVector(Int32Array.from(values));
    if (kind === 'float64') {
      return makeVector(makeData({ type: new Float64(), length: this.length, nullCount, nullBitmap, data: values }));
    }
    const data = new BigInt64Array(this.length);
    for (let i = 0; i < this.length; i++) if (!Number.isNaN(values[i])) data[i] = BigInt(Math.trunc(values[i]));
    const type = new TimestampMillisecond();
    return makeVector(makeData({ type, length: this.length, nullCount, nullBitmap, data }));
  }
}

/** Text as UTF-8 bytes and offsets; null (and undefined) is a missing value, anything else is written as text. */
export class TextColumn {
  length = 0;
  private bytes = Buffer.alloc(1024);
  private offsets = new Int32Array(65);
  private readonly validity = new Validity();

  push(value: string | null | undefined): void {
    if (this.length + 1 === this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    let end = this.offsets[this.length];
    const valid = value !== null && value !== undefined;
    if (valid) {
      const text = typeof value === 'string' ? value : String(value);
      const most = end + text.length * 3; // UTF-8 takes at most 3 bytes per UTF-16 unit
      if (most > this.bytes.length) {
        const grown = Buffer.alloc(Math.max(this.bytes.length * 2, most));
        this.bytes.copy(grown, 0, 0, end);
        this.bytes = grown;
      }
      end += this.bytes.write(text, end, 'utf8');
    }
    this.offsets[this.length + 1] = end;
    this.validity.set(this.length, valid);
    this.length++;
  }

  /** The column as an Arrow utf8 vector. */
  toVector(): Vector {
    const end = this.offsets[this.length];
    return makeVector(
      makeData({
        type: new Utf8(),
        length: this.length,
        nullCount: this.validity.nullCount,
        nullBitmap: this.validity.view(this.length),
        valueOffsets: this.offsets.subarray(0, this.length + 1),
        data: new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, end),
      }),
    );
  }
}
