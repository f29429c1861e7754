import { failureOf } from '../helpers/failures';
import { DomainError } from '../../lib/errors';
import { csvBatches, rowsOf } from '../helpers/data';

const failureOfDomainError = (promise: Promise<unknown>) => failureOf(promise, DomainError);

describe('readCsvBatches', () => {
  it('infers int64, float64, bool, timestamp and string, with empty fields as null', async () => {
    const batches = await csvBatches(
      'i,f,b,t,s\n1,1.5,true,2024-01-02,x\n,2e3,FALSE,2024-01-02T03:04:05Z,\n-3,,,,"y"\n',
    );
    expect(batches[0].declaredTypes).toEqual({ i: 'int64', f: 'float64', b: 'bool', t: 'timestamp', s: 'string' });
    expect(rowsOf(batches)).toEqual([
      { i: 1n, f: 1.5, b: true, t: Date.UTC(2024, 0, 2), s: 'x' },
      { i: null, f: 2000, b: false, t: Date.UTC(2024, 0, 2, 3, 4, 5), s: null },
      { i: -3n, f: null, b: null, t: null, s: 'y' },
    ]);
  });

  it('keeps quoted commas, doubled quotes and newlines in quotes, across any chunking', async () => {
    const text = 'id,note\r\n1,"Paris, FR"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n';
    for (const chunk of [1, 2, 3, 64]) {
      const rows = rowsOf(await csvBatches(text, { chunk }));
      expect(rows).toEqual([
        { id: 1n, note: 'Paris, FR' },
        { id: 2n, note: 'say "hi"' },
        { id: 3n, note: 'two\r\nlines' },
      ]);
    }
  });

  it('reads multi-byte UTF-8 split across chunks', async () => {
    const rows = rowsOf(await csvBatches('city\nZürich\n東京\n', { chunk: 1 }));
    expect(rows).toEqual([{ city: 'Zürich' }, { city: '東京' }]);
  });

  it('rejects invalid UTF-8 with DatasetCorrupt', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nok\n'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    const err = await failureOfDomainError(csvBatches(bytes));
    expect(err.type).toBe('DatasetCorrupt');
    expect(err.message).toMatch(/invalid UTF-8/);
  });

  it('uses explicit types and reports values that do not parse', async () => {
    const batches = await csvBatches('n,s\n1,a\nx,b\n3.5,c\n', { types: { n: 'int64' } });
    expect(batches[0].declaredTypes).toEqual({ n: 'int64', s: 'string' });
    expect(rowsOf(batches).map((r) => r.n)).toEqual([1n, null, null]);
    expect(batches[0].typeErrors?.get('n')).toEqual([1, 2]);
  });

  it('splits rows into batches with their dataset offsets', async () => {
    const text = `v\n${Array.from({ length: 10 }, (_, i) => i).join('\n')}\n`;
    const batches = await csvBatches(text, { batchRows: 4 });
    expect(batches.map((b) => [b.offset, b.batch.numRows])).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
    ]);
  });

  it('gives a header-only file zero rows with its columns', async () => {
    const batches = await csvBatches('a,b\n');
    expect(batches).toHaveLength(1);
    expect(batches[0].batch.numRows).toBe(0);
    expect(batches[0].batch.schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it.each([
    ['', /empty: no header/],
    ['a,a\n1,2\n', /duplicate column name 'a'/],
    ['a,b\n1,2\n3\n', /line 3 has 1 fields, the header has 2/],
    ['a\n"open\n', /unterminated quoted field/],
  ])('rejects %j as DatasetCorrupt', async (text, message) => {
    const err = await failureOfDomainError(csvBatches(text));
    expect(err.type).toBe('DatasetCorrupt');
    expect(err.message).toMatch(message);
  });

  it('reads a column of all nulls as an all-null string column', async () => {
    const batches = await csvBatches('a,b\n1,\n2,\n');
    expect(batches[0].declaredTypes?.b).toBe('string');
    expect(batches[0].batch.getChild('b')!.nullCount).toBe(2);
  });
});
