/** Streaming CSV record scanner: counts records and fields without building row objects. */
import { DomainError } from '../errors';
import { ErrorType } from '../../workflows/contracts';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** What a finished scan found. */
export interface CsvScanSummary {
  /** Header names in file order. */
  header: string[];
  /** Data records after the header (blank lines are skipped). */
  rows: number;
}

/**
 * An incremental RFC 4180 scanner: feed it byte chunks, then call `finish()`. Quoted fields may hold
 * commas, doubled quotes and newlines. Every data record must have as many fields as the header.
 */
export class CsvScanner {
  private inQuotes = false;
  private fieldsInRecord = 1;
  private recordHasBytes = false;
  private records = 0;
  private headerBytes: number[] | null = [];
  private header: string[] | null = null;
  private line = 1;
  private recordStartLine = 1;

  /** Consumes the next chunk of the file. */
  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.headerBytes) this.headerBytes.push(b);
      if (b === LF) this.line++;
      if (this.inQuotes) {
        if (b === QUOTE) this.inQuotes = false; // a doubled quote re-enters on the next byte
        continue;
      }
      if (b === QUOTE) {
        this.inQuotes = true;
        this.recordHasBytes = true;
      } else if (b === COMMA) {
        this.fieldsInRecord++;
        this.recordHasBytes = true;
      } else if (b === LF) {
        this.endRecord();
      } else if (b !== CR) {
        this.recordHasBytes = true;
      }
    }
  }

  /** Ends the scan and returns the summary; throws DatasetCorrupt for an unterminated quote or no header. */
  finish(): CsvScanSummary {
    if (this.inQuotes) {
      throw new DomainError(
        ErrorType.DatasetCorrupt,
        `CSV has an unterminated quoted field starting in the record at line ${this.recordStartLine}`,
      );
    }
    this.endRecord();
    if (!this.header) throw new DomainError(ErrorType.DatasetCorrupt, 'CSV is empty: no header row');
    return { header: this.header, rows: this.records };
  }

  private endRecord(): void {
    if (!this.recordHasBytes && this.fieldsInRecord === 1) {
      this.recordStartLine = this.line;
      if (this.headerBytes) this.headerBytes = []; // blank lines before the header are not part of it
      return;
    }
    if (!this.header) {
      this.header = parseHeader(this.headerBytes ?? []);
      this.headerBytes = null;
    } else {
      if (this.fieldsInRecord !== this.header.length) {
        throw new DomainError(
          ErrorType.DatasetCorrupt,
          `CSV record at line ${this.recordStartLine} has ${this.fieldsInRecord} fields, the header has ${this.header.length}`,
        );
      }
      this.records++;
    }
    this.fieldsInRecord = 1;
    this.recordHasBytes = false;
    this.recordStartLine = this.line;
  }
}

/** Parses the header record's bytes (which may end in CR/LF) into field names. */
function parseHeader(bytes: number[]): string[] {
  const text = Buffer.from(bytes)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  const names: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      names.push(current.trim());
      current = '';
    } else current += c;
  }
  names.push(current.replace(/\r$/, '').trim());
  return names;
}
