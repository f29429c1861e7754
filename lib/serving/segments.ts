/**
 * Windowed Arrow IPC segments: rows are buffered per folder and time window, column by column, and
 * written as one file when the window closes (or on shutdown, or early when a buffer grows large). A file is
 * written under a temporary name and renamed, so a reader never sees half of one.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table, tableToIPC } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import type { Logger } from 'pino';
import { NumberColumn, TextColumn } from './column-store';

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

/** Rows a segment stages row-major before moving them into its columns. */
const STAGE_ROWS = 256;

/**
 * Rows of one segment, appended into one growable column per field (not a chunk per request, which kept tens of
 * small arrays per answered request alive until the window closed), made into an Arrow table when written.
 *
 * A request of one row touches every column once, and a column apiece is a cache miss apiece: tens per request on a
 * busy gateway. So rows can be staged row-major first (`stageRows`: numbers in one Float64Array, texts in one
 * array), and move into the columns `STAGE_ROWS` rows at a time.
 */
export class SegmentBuffer {
  /** Rows appended, staged ones included. */
  rows = 0;
  private readonly columns: (TextColumn | NumberColumn)[];
  private readonly positions = new Map<string, number>();
  /** Per field, its slot in a staged row of numbers (−1 for a text field). */
  readonly numberSlot: Int32Array;
  /** Per field, its slot in a staged row of texts (−1 for a number field). */
  readonly textSlot: Int32Array;
  /** Numbers per staged row. */
  readonly numberWidth: number;
  /** Texts per staged row. */
  readonly textWidth: number;
  /** Staged rows: `numbers[row * numberWidth + slot]`, `texts[row * textWidth + slot]`. */
  numbers: Float64Array;
  texts: (string | null)[];
  private staged = 0;
  private capacity = STAGE_ROWS;

  constructor(
    readonly fields: SegmentField[],
    readonly metadata: Record<string, string>,
  ) {
    fields.forEach((f, i) => {
      if (!this.positions.has(f.name)) this.positions.set(f.name, i);
    });
    this.columns = fields.map((f) => (f.kind === 'utf8' ? new TextColumn() : new NumberColumn()));
    let numbers = 0;
    let texts = 0;
    this.numberSlot = Int32Array.from(fields, (f) => (f.kind === 'utf8' ? -1 : numbers++));
    this.textSlot = Int32Array.from(fields, (f) => (f.kind === 'utf8' ? texts++ : -1));
    this.numberWidth = numbers;
    this.textWidth = texts;
    this.numbers = new Float64Array(STAGE_ROWS * numbers);
    this.texts = new Array<string | null>(STAGE_ROWS * texts).fill(null);
  }

  /** Position of a field by name, or -1. */
  indexOf(name: string): number {
    return this.positions.get(name) ?? -1;
  }

  /**
   * Stages `rows` new rows with every value missing (NaN, null) and returns the index of the first staged row in
   * `numbers` and `texts`; the caller then writes the values it has.
   */
  stageRows(rows: number): number {
    if (this.staged + rows > this.capacity) this.drain();
    if (rows > this.capacity) this.grow(rows);
    const first = this.staged;
    this.numbers.fill(NaN, first * this.numberWidth, (first + rows) * this.numberWidth);
    this.texts.fill(null, first * this.textWidth, (first + rows) * this.textWidth);
    this.staged += rows;
    this.rows += rows;
    return first;
  }

  /** Appends `rows` rows; a column left out (or of another length) is null (text) or NaN (numbers) for them. */
  append(rows: number, columns: Record<string, ColumnChunk | undefined>): void {
    this.appendChunks(
      rows,
      this.fields.map((f) => columns[f.name]),
    );
  }

  /** `append` with the chunks by field position (no name lookups on the hot path). */
  appendChunks(rows: number, chunks: readonly (ColumnChunk | undefined)[]): void {
    this.drain();
    for (let f = 0; f < this.fields.length; f++) pushChunk(this.columns[f], chunks[f], rows);
    this.rows += rows;
  }

  /** Moves the staged rows into the columns, field by field. */
  private drain(): void {
    const rows = this.staged;
    if (rows === 0) return;
    for (let f = 0; f < this.fields.length; f++) {
      const column = this.columns[f];
      if (column instanceof TextColumn) {
        const slot = this.textSlot[f];
        for (let r = 0; r < rows; r++) column.push(this.texts[r * this.textWidth + slot]);
      } else {
        const slot = this.numberSlot[f];
        for (let r = 0; r < rows; r++) column.push(this.numbers[r * this.numberWidth + slot]);
      }
    }
    this.staged = 0;
  }

  /** Room to stage a request of more rows than the stage holds (called with nothing staged). */
  private grow(rows: number): void {
    this.capacity = rows;
    this.numbers = new Float64Array(rows * this.numberWidth);
    this.texts = new Array<string | null>(rows * this.textWidth).fill(null);
  }

  /** The buffered rows as a table with the segment's metadata. */
  toTable(): Table {
    this.drain();
    const vectors: Record<string, Vector> = {};
    this.fields.forEach((f, i) => {
      const column = this.columns[i];
      vectors[f.name] = column instanceof TextColumn ? column.toVector() : column.toVector(f.kind as 'float64');
    });
    const table = new Table(vectors);
    for (const [k, v] of Object.entries(this.metadata)) table.schema.metadata.set(k, v);
    return table;
  }
}

/** `rows` numbers into a number column; a chunk left out (or of another length) gives NaN. */
function pushNumbers(column: NumberColumn, chunk: ArrayLike<number> | undefined, rows: number): void {
  if (chunk !== undefined && chunk.length === rows) for (let r = 0; r < rows; r++) column.push(Number(chunk[r]));
  else for (let r = 0; r < rows; r++) column.push(NaN);
}

/** `rows` strings into a text column; a chunk left out (or of another length) gives null. */
function pushTexts(column: TextColumn, chunk: readonly (string | null)[] | undefined, rows: number): void {
  if (chunk !== undefined && chunk.length === rows) for (let r = 0; r < rows; r++) column.push(chunk[r]);
  else for (let r = 0; r < rows; r++) column.push(null);
}

/** `rows` values of a chunk into a column; a chunk left out (or of another length) gives null (text) or NaN. */
export function pushChunk(column: TextColumn | NumberColumn, chunk: ColumnChunk | undefined, rows: number): void {
  if (column instanceof TextColumn) pushTexts(column, chunk as (string | null)[] | undefined, rows);
  else pushNumbers(column, chunk as ArrayLike<number> | undefined, rows);
}

/** An open segment: its folder, window start and rows. */
interface OpenSegment {
  dir: string;
  start: number;
  buffer: SegmentBuffer;
}

/** Buffers segments per folder and window and writes them as `<window>.<replica>.<n>.arrow`. */
export class SegmentWriter {
  private readonly open = new Map<string, OpenSegment>();
  /** The segment `buffer` returned last: a run of requests to one version finds it without building a key. */
  private last: OpenSegment | undefined;
  private writes: Promise<void> = Promise.resolve();
  private sequence = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { windowMs: number; replica: string; logger: Logger; now?: () => number }) {}

  /** The buffer of the current window in `dir`, created with `fields` when missing. */
  buffer(dir: string, fields: () => { fields: SegmentField[]; metadata: Record<string, string> }): SegmentBuffer {
    const now = (this.options.now ?? Date.now)();
    const start = now - (now % this.options.windowMs);
    const last = this.last;
    // Still open: a flush or an early write takes an entry out of `open` and clears `last`.
    if (last && last.dir === dir && last.start === start && last.buffer.rows < MAX_SEGMENT_ROWS) return last.buffer;
    const key = `${dir}\u0000${start}`;
    let entry = this.open.get(key);
    if (!entry) {
      const spec = fields();
      entry = { dir, start, buffer: new SegmentBuffer(spec.fields, spec.metadata) };
      this.open.set(key, entry);
    }
    if (entry.buffer.rows >= MAX_SEGMENT_ROWS) {
      this.open.delete(key);
      this.last = undefined;
      this.write(entry.dir, entry.start, entry.buffer);
      return this.buffer(dir, fields);
    }
    this.last = entry;
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
      if (this.last === entry) this.last = undefined;
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
