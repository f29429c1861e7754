/** Writing Arrow tables as CSV, Arrow IPC or Parquet, chosen by the file extension. */
import { createWriteStream } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { DatasetFormat } from '../../workflows/contracts';
import { columnTypeOf } from './columns';
import { detectFormat } from './format';
import { writeParquet } from './parquet';
import { ColumnType } from './types';

/** Quotes a CSV field when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function formatCell(value: unknown, isTimestamp: boolean): string {
  if (value === null || value === undefined) return '';
  if (isTimestamp) return new Date(Number(value)).toISOString();
  if (typeof value === 'number' && Number.isNaN(value)) return '';
  return csvField(String(value));
}

/** Writes a table as CSV with a header row; nulls become empty fields, timestamps ISO-8601. */
export async function writeCsv(table: Table, path: string): Promise<void> {
  const out = createWriteStream(path);
  const fields = table.schema.fields;
  const timestamps = fields.map((f) => columnTypeOf(f.type) === ColumnType.timestamp);
  out.write(`${fields.map((f) => csvField(f.name)).join(',')}\n`);
  for (const batch of table.batches) {
    const columns = fields.map((_, c) => batch.getChildAt(c)!);
    const lines: string[] = [];
    for (let row = 0; row < batch.numRows; row++) {
      lines.push(columns.map((column, c) => formatCell(column.get(row), timestamps[c])).join(','));
      if (lines.length === 4096 || row === batch.numRows - 1) {
        if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
        lines.length = 0;
      }
    }
  }
  out.end();
  await once(out, 'finish');
}

/** Writes `table` to `path` in the format its extension names, via a temporary file renamed into place. */
export async function writeTable(table: Table, path: string): Promise<{ bytes: number }> {
  const format = detectFormat(path);
  if (format === DatasetFormat.parquet) return writeParquet(table, path);
  const temporary = `${path}.tmp-${process.pid}`;
  if (format === DatasetFormat.csv) await writeCsv(table, temporary);
  else await writeFile(temporary, tableToIPC(table, 'file'));
  await rename(temporary, path);
  return { bytes: (await stat(path)).size };
}
