/**
 * Windowed Arrow IPC segments: rows are buffered per folder and time window, column chunk by column chunk, and
 * written as one file when the window closes (or on shutdown, or early when a buffer grows large). A file is
 * written under a temporary name and renamed, so a reader never sees half of one.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Float64,
  makeData,
  makeVector,
  Table,
  tableToIPC,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { Logger } from 'pino';

/** Column types a segment holds: text, float64, int32 and millisecond timestamps. */
export type ColumnKind = 'utf8' | 'float64' | 'int32' | 'timestamp';

/** One column of a segment. */
export interface SegmentField {
  name: string;
  kind: ColumnKind;
}

/** Values of one column for a run of rows. */
export type ColumnChunk = ArrayLike<number> | (string | null)[];

/** Rows a buffer takes before it is written early, so memory stays bounded under heavy traffic. */
export const MAX_SEGMENT_ROWS = 200_000;

/** A window start as an ISO 8601 basic-format name part: `20250101T120000Z`. */
export function windowName(start: number): string {
  return new Date(start)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Parses a segment file name's window start (epoch ms), or NaN. */
export function windowStartOf(file: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\..+\.arrow$/.exec(file);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
}

/** A float64 vector whose NaNs (missing features, absent columns) are nulls. */
function float64Vector(values: Float64Array): Vector {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) nullCount++;
    else bitmap[i >> 3] |= 1 << (i & 7);
  }
  const type = new Float64();
  return makeVector(
    makeData({ type, length: values.length, nullCount, nullBitmap: nullCount > 0 ? bitmap : null, data: values }),
  );
}

/** Rows of one segment: chunks per column, joined into an Arrow table when written. */
export class SegmentBuffer {
  rows = 0;
  private readonly chunks = new Map<string, ColumnChunk[]>();

  constructor(
    readonly fields: SegmentField[],
    readonly metadata: Record<string, string>,
  ) {
    for (const f of fields) this.chunks.set(f.name, []);
  }

  /** Appends `rows` rows; a column left out is null (text) or NaN (numbers) for them. */
  append(rows: number, columns: Record<string, ColumnChunk | undefined>): void {
    for (const f of this.fields) {
      const chunk = columns[f.name];
      const filler = f.kind === 'utf8' ? new Array<null>(rows).fill(null) : new Float64Array(rows).fill(NaN);
      this.chunks.get(f.name)!.push(chunk && chunk.length === rows ? chunk : filler);
    }
    this.rows += rows;
  }

  /** The buffered rows as a table with the segment's metadata. */
  toTable(): Table {
    const vectors: Record<string, Vector> = {};
    for (const f of this.fields) {
      const chunks = this.chunks.get(f.name)!;
      if (f.kind === 'utf8') {
        vectors[f.name] = vectorFromArray((chunks as (string | null)[][]).flat(), new Utf8());
        continue;
      }
      const values = new Float64Array(this.rows);
      let at = 0;
      for (const c of chunks as ArrayLike<number>[]) for (let i = 0; i < c.length; i++) values[at++] = c[i];
      if (f.kind === 'float64') vectors[f.name] = float64Vector(values);
      else if (f.kind === 'int32') vectors[f.name] = makeVector(Int32Array.from(values));
      else vectors[f.name] = vectorFromArray(Array.from(values), new TimestampMillisecond());
    }
    const table = new Table(vectors);
    for (const [k, v] of Object.entries(this.metadata)) table.schema.metadata.set(k, v);
    return table;
  }
}

/** Buffers segments per folder and window and writes them as `<window>.<replica>.<n>.arrow`. */
export class SegmentWriter {
  private readonly open = new Map<string, { dir: string; start: number; buffer: SegmentBuffer }>();
  private writes: Promise<void> = Promise.resolve();
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { windowMs: number; replica: string; logger: Logger; now?: () => number }) {}

  /** The buffer of the current window in `dir`, created with `fields` when missing. */
  buffer(dir: string, fields: () => { fields: SegmentField[]; metadata: Record<string, string> }): SegmentBuffer {
    const now = (this.options.now ?? Date.now)();
    const start = now - (now % this.options.windowMs);
    const key = `${dir}\u0000${start}`;
    let entry = this.open.get(key);
    if (!entry) {
      const spec = fields();
      entry = { dir, start, buffer: new SegmentBuffer(spec.fields, spec.metadata) };
      this.open.set(key, entry);
    }
    if (entry.buffer.rows >= MAX_SEGMENT_ROWS) {
      this.open.delete(key);
      this.write(entry.dir, entry.start, entry.buffer);
      return this.buffer(dir, fields);
    }
    return entry.buffer;
  }

  /** Checks every second for windows that have closed and writes them. */
  start(): void {
    this.timer = setInterval(() => void this.flush(false), Math.min(1000, this.options.windowMs)).unref();
  }

  /** Writes the closed windows, or every buffer when `all`; resolves when the writes are done. */
  flush(all: boolean): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    for (const [key, entry] of this.open) {
      if (!all && entry.start + this.options.windowMs > now) continue;
      this.open.delete(key);
      if (entry.buffer.rows > 0) this.write(entry.dir, entry.start, entry.buffer);
    }
    return this.writes;
  }

  /** Stops the timer and writes every buffer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  private write(dir: string, start: number, buffer: SegmentBuffer): void {
    const name = `${windowName(start)}.${this.options.replica}.${++this.sequence}.arrow`;
    this.writes = this.writes.then(async () => {
      const temp = join(dir, `.${name}.tmp`);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(temp, tableToIPC(buffer.toTable(), 'file'));
        await rename(temp, join(dir, name));
      } catch (err) {
        await rm(temp, { force: true }).catch(() => undefined);
        this.options.logger.error({ err, dir, file: name, rows: buffer.rows }, 'cannot write log segment');
      }
    });
  }
}
