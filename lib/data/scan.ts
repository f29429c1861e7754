/** One pass over a dataset (file or in-memory table) that validates it against a contract and profiles every column. */
import type { Table } from 'apache-arrow';
import { contractTypes } from './contract';
import { openDataset } from './read';
import type { DatasetProfile, ValidationReport } from './report';
import { TableScanner } from './scanner';
import type { ScannerOptions } from './scanner';

export { typeSatisfies } from './scanner';

/** Options of `scanDataset`. */
export interface ScanOptions extends ScannerOptions {
  batchRows?: number;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** What one scan found. */
export interface ScanResult {
  dataset: { path: string; format: string; sha256: string; bytes: number; rows: number; columns: string[] };
  /** Present when a contract was given. */
  validation?: ValidationReport;
  profile: DatasetProfile;
}

/** Reads the dataset once: validation (with a contract) and profile in the same pass. */
export async function scanDataset(path: string, options: ScanOptions = {}): Promise<ScanResult> {
  const stream = await openDataset(path, {
    types: contractTypes(options.contract),
    batchRows: options.batchRows,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const scanner = new TableScanner(options);
  for await (const { batch, offset, typeErrors, declaredTypes } of stream.batches) {
    scanner.add(batch, offset, typeErrors, declaredTypes);
  }
  const sha256 = await stream.sha256();
  const { rows, columns, profiles, validation } = scanner.finish();
  return {
    dataset: { path: stream.path, format: stream.format, sha256, bytes: stream.bytes, rows, columns },
    validation,
    profile: {
      version: 1,
      dataset: { path: stream.path, sha256, rows, format: stream.format },
      seed: scanner.seed,
      sampleSize: scanner.sampleSize,
      columns: profiles,
    },
  };
}

/** Validates and profiles an in-memory Arrow table in one pass (no file, no digest). */
export function scanTable(
  table: Table,
  options: ScannerOptions = {},
): { validation?: ValidationReport; profile: Omit<DatasetProfile, 'dataset'> & { rows: number } } {
  const scanner = new TableScanner(options);
  scanner.expectValues(
    table.schema.fields.map((_, c) =>
      table.batches.reduce((sum, batch) => {
        const data = batch.data.children[c];
        return sum + (data ? data.length - data.nullCount : 0);
      }, 0),
    ),
  );
  let offset = 0;
  for (const batch of table.batches) {
    scanner.add(batch, offset);
    offset += batch.numRows;
  }
  const { rows, profiles, validation } = scanner.finish();
  return {
    validation,
    profile: { version: 1, seed: scanner.seed, sampleSize: scanner.sampleSize, columns: profiles, rows },
  };
}
