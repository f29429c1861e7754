/** Reads a dataset's columns whole: numeric values (nulls dropped) and categorical counts, for drift. */
import { categoricalValues, columnTypeOf, numericValues } from './columns';
import { openDataset } from './read';
import { isNumericType } from './types';
import type { ColumnTypeName } from './types';

/** One column read whole. */
export type CollectedColumn =
  | { kind: 'numeric'; type: ColumnTypeName; values: Float64Array; nulls: number }
  | { kind: 'categorical'; type: ColumnTypeName; counts: Map<string, number>; nulls: number };

/** A dataset read whole, column by column. */
export interface CollectedDataset {
  path: string;
  sha256: string;
  rows: number;
  columns: Map<string, CollectedColumn>;
}

/** Growable Float64Array. */
class FloatBuffer {
  private data = new Float64Array(1 << 16);
  length = 0;
  push(values: Float64Array): number {
    let nulls = 0;
    if (this.length + values.length > this.data.length) {
      const grown = new Float64Array(Math.max(this.data.length * 2, this.length + values.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v) nulls++;
      else this.data[this.length++] = v;
    }
    return nulls;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Reads the named columns (all when omitted) of a dataset in one pass. */
export async function collectColumns(
  path: string,
  options: { columns?: string[]; signal?: AbortSignal; onProgress?: (read: number, total: number) => void } = {},
): Promise<CollectedDataset> {
  const stream = await openDataset(path, { signal: options.signal, onProgress: options.onProgress });
  const numeric = new Map<string, { type: ColumnTypeName; buffer: FloatBuffer; nulls: number }>();
  const categorical = new Map<string, { type: ColumnTypeName; counts: Map<string, number>; nulls: number }>();
  let rows = 0;
  for await (const { batch, declaredTypes } of stream.batches) {
    batch.schema.fields.forEach((field, c) => {
      if (options.columns && !options.columns.includes(field.name)) return;
      const vector = batch.getChildAt(c);
      if (!vector) return;
      const type = declaredTypes?.[field.name] ?? columnTypeOf(field.type) ?? 'string';
      if (isNumericType(type)) {
        let entry = numeric.get(field.name);
        if (!entry) numeric.set(field.name, (entry = { type, buffer: new FloatBuffer(), nulls: 0 }));
        entry.nulls += entry.buffer.push(numericValues(vector));
      } else {
        let entry = categorical.get(field.name);
        if (!entry) categorical.set(field.name, (entry = { type, counts: new Map(), nulls: 0 }));
        const { codes, dictionary } = categoricalValues(vector);
        const counts = new Float64Array(dictionary.length);
        for (const code of codes) {
          if (code < 0) entry.nulls++;
          else counts[code]++;
        }
        dictionary.forEach((value, code) => {
          if (counts[code] > 0) entry.counts.set(value, (entry.counts.get(value) ?? 0) + counts[code]);
        });
      }
    });
    rows += batch.numRows;
  }
  const columns = new Map<string, CollectedColumn>();
  for (const [name, e] of numeric)
    columns.set(name, { kind: 'numeric', type: e.type, values: e.buffer.values(), nulls: e.nulls });
  for (const [name, e] of categorical)
    columns.set(name, { kind: 'categorical', type: e.type, counts: e.counts, nulls: e.nulls });
  return { path: stream.path, sha256: await stream.sha256(), rows, columns };
}
