import fc from 'fast-check';
import { CsvScanner } from '../../lib/data/csv-scan';
import { DomainError } from '../../lib/errors';

function scan(text: string, chunkSize = 3): { header: string[]; rows: number } {
  const bytes = Buffer.from(text, 'utf8');
  const scanner = new CsvScanner();
  for (let i = 0; i < bytes.length; i += chunkSize) scanner.push(bytes.subarray(i, i + chunkSize));
  return scanner.finish();
}

function scanError(text: string): DomainError {
  try {
    scan(text);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected the scan to fail');
}

describe('CsvScanner', () => {
  it('counts data rows and header columns', () => {
    expect(scan('a,b,c\n1,2,3\n4,5,6\n')).toEqual({ header: ['a', 'b', 'c'], rows: 2 });
  });

  it('accepts a last record without a newline and CRLF line ends', () => {
    expect(scan('a,b\r\n1,2\r\n3,4')).toEqual({ header: ['a', 'b'], rows: 2 });
  });

  it('keeps commas, doubled quotes and newlines inside quoted fields', () => {
    const text = 'id,"note, long","say ""hi"""\n1,"x, y","line1\nline2"\n2,"""q""",z\n';
    expect(scan(text, 1)).toEqual({ header: ['id', 'note, long', 'say "hi"'], rows: 2 });
  });

  it('skips blank lines, also before the header', () => {
    expect(scan('\n\na,b\n1,2\n\n3,4\n\n')).toEqual({ header: ['a', 'b'], rows: 2 });
  });

  it('counts empty fields as fields', () => {
    expect(scan('a,b,c\n,,\n1,,\n')).toEqual({ header: ['a', 'b', 'c'], rows: 2 });
  });

  it('returns zero rows for a header-only file', () => {
    expect(scan('a,b\n')).toEqual({ header: ['a', 'b'], rows: 0 });
  });

  it('rejects an empty file', () => {
    const err = scanError('');
    expect(err.type).toBe('DatasetCorrupt');
    expect(err.message).toMatch(/no header/);
  });

  it('rejects an unterminated quote with the line it starts on', () => {
    const err = scanError('a,b\n1,2\n3,"open\n');
    expect(err.type).toBe('DatasetCorrupt');
    expect(err.message).toMatch(/unterminated quoted field .* line 3/);
  });

  it('rejects a record with the wrong number of fields, naming its line', () => {
    const err = scanError('a,b\n1,2\n1,2,3\n');
    expect(err.type).toBe('DatasetCorrupt');
    expect(err.message).toMatch(/line 3 has 3 fields, the header has 2/);
  });

  it('counts any table written as RFC 4180 CSV, whatever the chunking', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', 'é') });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((cols) =>
            fc.tuple(
              fc.constant(cols),
              fc.array(fc.array(field, { minLength: cols, maxLength: cols }), { maxLength: 20 }),
              fc.integer({ min: 1, max: 64 }),
            ),
          ),
        ([cols, rows, chunk]) => {
          const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
          const header = Array.from({ length: cols }, (_, i) => `c${i}`);
          const lines = [header.join(','), ...rows.map((r) => r.map(quote).join(','))];
          const result = scan(`${lines.join('\n')}\n`, chunk);
          expect(result).toEqual({ header, rows: rows.length });
        },
      ),
    );
  });
});
