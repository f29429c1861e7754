/** CSV field parsing: RFC 4180 records from decoded text, fed chunk by chunk. */
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/**
 * Splits text into records of fields. Quoted fields may hold commas, doubled quotes and newlines; CR
 * before LF is dropped. `null` stands for an empty unquoted field; a quoted empty field is ''.
 */
export class CsvRecordParser {
  private field = '';
  private fieldQuoted = false;
  private inQuotes = false;
  private quoteSeen = false;
  private pendingCR = false;
  private record: (string | null)[] = [];
  private line = 1;
  private recordLine = 1;

  /** The line where the record being parsed started (1-based), for error messages. */
  get currentRecordLine(): number {
    return this.recordLine;
  }

  /** Parses `text`, calling `onRecord` for each complete record. */
  push(text: string, onRecord: (fields: (string | null)[], line: number) => void): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inQuotes) {
        if (c === 0x22) {
          this.field += text.slice(start, i);
          start = i + 1;
          this.inQuotes = false;
          this.quoteSeen = true;
        } else if (c === 0x0a) this.line++;
        continue;
      }
      if (c === 0x22) {
        // A quote right after a closing quote is an escaped quote.
        this.field += text.slice(start, i) + (this.quoteSeen ? '"' : '');
        start = i + 1;
        this.inQuotes = true;
        this.fieldQuoted = true;
        this.quoteSeen = false;
      } else if (c === 0x2c) {
        this.field += text.slice(start, i);
        start = i + 1;
        this.endField();
      } else if (c === 0x0a) {
        this.field += text.slice(start, i);
        start = i + 1;
        if (this.pendingCR) this.field = this.field.slice(0, -1);
        this.pendingCR = false;
        this.endRecord(onRecord);
        this.line++;
        this.recordLine = this.line;
      } else {
        this.quoteSeen = false;
        this.pendingCR = c === 0x0d;
        continue;
      }
      this.pendingCR = false;
    }
    if (this.inQuotes || start < text.length) this.field += text.slice(start);
  }

  /** Ends the input; throws DatasetCorrupt for an unterminated quoted field. */
  finish(onRecord: (fields: (string | null)[], line: number) => void): void {
    if (this.inQuotes) {
      throw new DomainError(
        ErrorType.DatasetCorrupt,
        `unterminated quoted field in the record starting at line ${this.recordLine}`,
      );
    }
    if (this.pendingCR) this.field = this.field.slice(0, -1);
    this.pendingCR = false;
    if (this.field !== '' || this.fieldQuoted || this.record.length > 0) this.endRecord(onRecord);
  }

  private endField(): void {
    const value = this.field;
    this.record.push(value === '' && !this.fieldQuoted ? null : value);
    this.field = '';
    this.fieldQuoted = false;
    this.quoteSeen = false;
  }

  private endRecord(onRecord: (fields: (string | null)[], line: number) => void): void {
    this.endField();
    const record = this.record;
    this.record = [];
    // A blank line is one null field: skip it.
    if (record.length === 1 && record[0] === null) return;
    onRecord(record, this.recordLine);
  }
}
