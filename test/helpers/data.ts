/** Helpers for data-plane tests: write small files and read them back through the real readers. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table } from 'apache-arrow';
import type { RecordBatch } from 'apache-arrow';
import { readCsvBatches } from '../../lib/data/csv-reader';
import { openDataset } from '../../lib/data/read';
import type { DataBatch } from '../../lib/data/batch';
import type { ColumnTypeName } from '../../lib/data/types';

/** Writes `content` to `dir/name` and returns the path. */
export async function writeFixture(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** Parses CSV bytes (fed in chunks of `chunk` bytes) into batches. */
export async function csvBatches(
  content: string | Uint8Array,
  options: { types?: Record<string, ColumnTypeName>; batchRows?: number; chunk?: number } = {},
): Promise<DataBatch[]> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const size = options.chunk ?? 7;
  async function* source() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const out: DataBatch[] = [];
  for await (const batch of readCsvBatches(source(), { path: 'test.csv', ...options })) out.push(batch);
  return out;
}

/** Rows of all batches as plain objects (test assertions only). */
export function rowsOf(batches: DataBatch[]): Record<string, unknown>[] {
  return batches.flatMap((b) => b.batch.toArray().map((row) => ({ ...row.toJSON() })));
}

/** Reads a whole dataset (any supported format) into one Arrow table. */
export async function readTable(path: string): Promise<Table> {
  const stream = await openDataset(path);
  const batches: RecordBatch[] = [];
  for await (const { batch } of stream.batches) batches.push(batch);
  return new Table(batches);
}
