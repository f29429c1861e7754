/** One pass over a dataset that validates it against a contract and profiles every column. */
import type { Schema } from 'apache-arrow';
import { CategoricalAccumulator } from './categorical-accumulator';
import { categoricalValues, columnTypeOf, numericValues } from './columns';
import type { DataContract } from './contract';
import { contractTypes } from './contract';
import { NumericAccumulator } from './numeric-accumulator';
import { openDataset } from './read';
import type { DatasetProfile, ValidationFailure, ValidationReport } from './report';
import { ColumnType, isNumericType } from './types';
import type { ColumnTypeName } from './types';

/** Options of `scanDataset`. */
export interface ScanOptions {
  contract?: DataContract;
  /** Values kept per numeric column for quantiles and KS (default 100 000). */
  sampleSize?: number;
  /** Seed of the samples (default 42). */
  seed?: number;
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

type Accumulator = NumericAccumulator | CategoricalAccumulator;

/** True when data of type `actual` satisfies a contract's `expected` type (ints widen to floats). */
export function typeSatisfies(actual: ColumnTypeName, expected: ColumnTypeName): boolean {
  return actual === expected || (actual === ColumnType.int64 && expected === ColumnType.float64);
}

/** Reads the dataset once: validation (with a contract) and profile in the same pass. */
export async function scanDataset(path: string, options: ScanOptions = {}): Promise<ScanResult> {
  const contract = options.contract;
  const sampleSize = options.sampleSize ?? 100_000;
  const seed = options.seed ?? 42;
  const stream = await openDataset(path, {
    types: contractTypes(contract),
    batchRows: options.batchRows,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  let accumulators: Accumulator[] | undefined;
  const typeFailures: ValidationFailure[] = [];
  let rows = 0;
  const setUp = (schema: Schema, declared?: Record<string, ColumnTypeName>) =>
    schema.fields.map((field, c) => {
      const actual = declared?.[field.name] ?? columnTypeOf(field.type) ?? ColumnType.string;
      const rule = contract?.columns[field.name];
      if (rule && !typeSatisfies(actual, rule.type)) {
        typeFailures.push({
          column: field.name,
          check: 'type',
          count: -1,
          sampleRows: [],
          message: `column is ${actual}, the contract says ${rule.type}`,
        });
      }
      const seedOf = seed + c;
      return isNumericType(actual)
        ? new NumericAccumulator(field.name, actual, rule, { sampleSize, seed: seedOf })
        : new CategoricalAccumulator(field.name, actual, rule);
    });
  for await (const { batch, offset, typeErrors, declaredTypes } of stream.batches) {
    accumulators ??= setUp(batch.schema, declaredTypes);
    accumulators.forEach((acc, c) => {
      const vector = batch.getChildAt(c);
      if (!vector) return;
      if (acc instanceof NumericAccumulator) acc.add(numericValues(vector), offset);
      else acc.add(categoricalValues(vector), offset);
      const errors = typeErrors?.get(acc.name);
      if (errors) acc.addTypeErrors(errors, offset);
    });
    rows += batch.numRows;
  }
  const sha256 = await stream.sha256();
  const finished = (accumulators ?? []).map((acc) => ({ name: acc.name, ...acc.finish(rows) }));
  const columns = finished.map((f) => f.name);
  const profile: DatasetProfile = {
    version: 1,
    dataset: { path: stream.path, sha256, rows, format: stream.format },
    seed,
    sampleSize,
    columns: Object.fromEntries(finished.map((f) => [f.name, f.profile])),
  };
  const result: ScanResult = {
    dataset: { path: stream.path, format: stream.format, sha256, bytes: stream.bytes, rows, columns },
    profile,
  };
  if (contract) {
    // A column of the wrong type fails for every non-null value it holds.
    for (const failure of typeFailures) {
      const p = profile.columns[failure.column ?? ''];
      failure.count = p ? p.count : rows;
    }
    const failures = [
      ...datasetFailures(contract, columns, rows),
      ...typeFailures,
      ...finished.flatMap((f) => f.failures),
    ];
    result.validation = { valid: failures.length === 0, rows, failures };
  }
  return result;
}

/** Dataset-level checks: required and extra columns, row bounds. */
function datasetFailures(contract: DataContract, columns: string[], rows: number): ValidationFailure[] {
  const out: ValidationFailure[] = [];
  const present = new Set(columns);
  for (const [name, rule] of Object.entries(contract.columns)) {
    if (rule.required !== false && !present.has(name)) {
      out.push({
        column: name,
        check: 'required',
        count: rows,
        sampleRows: [],
        message: `required column ${name} is missing`,
      });
    }
  }
  if (contract.allowExtraColumns === false) {
    for (const name of columns) {
      if (!(name in contract.columns)) {
        out.push({
          column: name,
          check: 'allowExtraColumns',
          count: rows,
          sampleRows: [],
          message: `column ${name} is not in the contract`,
        });
      }
    }
  }
  const bounds = contract.rows;
  if (bounds?.min !== undefined && rows < bounds.min) {
    out.push({
      column: null,
      check: 'rows.min',
      count: rows,
      sampleRows: [],
      message: `${rows} rows, fewer than ${bounds.min}`,
    });
  }
  if (bounds?.max !== undefined && rows > bounds.max) {
    out.push({
      column: null,
      check: 'rows.max',
      count: rows,
      sampleRows: [],
      message: `${rows} rows, more than ${bounds.max}`,
    });
  }
  return out;
}
