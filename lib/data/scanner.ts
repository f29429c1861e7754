/** The per-column accumulators behind a scan: fed record batches, finished into a report and a profile. */
import type { RecordBatch, Schema } from 'apache-arrow';
import { CategoricalAccumulator } from './categorical-accumulator';
import { categoricalValues, columnTypeOf } from './columns';
import type { DataContract } from './contract';
import { NumericAccumulator } from './numeric-accumulator';
import type { ColumnProfile, ValidationFailure, ValidationReport } from './report';
import { ColumnType, isNumericType } from './types';
import type { ColumnTypeName } from './types';

/** True when data of type `actual` satisfies a contract's `expected` type (ints widen to floats). */
export function typeSatisfies(actual: ColumnTypeName, expected: ColumnTypeName): boolean {
  return actual === expected || (actual === ColumnType.int64 && expected === ColumnType.float64);
}

/** Options shared by every scan. */
export interface ScannerOptions {
  contract?: DataContract;
  /** Values kept per numeric column for quantiles and KS (default 100 000). */
  sampleSize?: number;
  /** Seed of the samples (default 42); column c uses seed + c. */
  seed?: number;
}

type Accumulator = NumericAccumulator | CategoricalAccumulator;

/** Validates and profiles batches of one schema, one pass, no row objects. */
export class TableScanner {
  private accumulators?: Accumulator[];
  private readonly typeFailures: ValidationFailure[] = [];
  private rows = 0;
  private expected?: number[];
  readonly sampleSize: number;
  readonly seed: number;

  constructor(readonly options: ScannerOptions) {
    this.sampleSize = options.sampleSize ?? 100_000;
    this.seed = options.seed ?? 42;
  }

  private setUp(schema: Schema, declared?: Record<string, ColumnTypeName>): Accumulator[] {
    const { contract } = this.options;
    return schema.fields.map((field, c) => {
      const actual = declared?.[field.name] ?? columnTypeOf(field.type) ?? ColumnType.string;
      const rule = contract?.columns[field.name];
      if (rule && !typeSatisfies(actual, rule.type)) {
        const message = `column is ${actual}, the contract says ${rule.type}`;
        this.typeFailures.push({ column: field.name, check: 'type', count: 0, sampleRows: [], message });
      }
      if (!isNumericType(actual)) return new CategoricalAccumulator(field.name, actual, rule);
      const numeric = new NumericAccumulator(field.name, actual, rule, {
        sampleSize: this.sampleSize,
        seed: this.seed + c,
      });
      const expected = this.expected?.[c];
      if (expected !== undefined) numeric.expectValues(expected);
      return numeric;
    });
  }

  /**
   * Gives, before the first batch, each column's count of non-null values (by schema position), as an in-memory
   * table knows them: numeric samples are then drawn at ranks chosen up front rather than by a reservoir.
   */
  expectValues(counts: number[]): void {
    if (this.accumulators) throw new Error('expectValues must come before the first batch');
    this.expected = counts;
  }

  /** Adds one batch whose first row is row `offset` of the dataset. */
  add(
    batch: RecordBatch,
    offset: number,
    typeErrors?: Map<string, number[]>,
    declared?: Record<string, ColumnTypeName>,
  ): void {
    this.accumulators ??= this.setUp(batch.schema, declared);
    this.accumulators.forEach((acc, c) => {
      const vector = batch.getChildAt(c);
      if (!vector) return;
      if (acc instanceof NumericAccumulator) {
        let at = offset;
        for (const data of vector.data) {
          acc.addData(data, at);
          at += data.length;
        }
      } else if (vector.data.every((data) => acc.takesDictionaryData(data))) {
        let at = offset;
        for (const data of vector.data) {
          acc.addDictionaryData(data, at);
          at += data.length;
        }
      } else acc.add(categoricalValues(vector), offset);
      const errors = typeErrors?.get(acc.name);
      if (errors) acc.addTypeErrors(errors, offset);
    });
    this.rows += batch.numRows;
  }

  /** Profiles of every column and, with a contract, the validation report. */
  finish(): {
    rows: number;
    columns: string[];
    profiles: Record<string, ColumnProfile>;
    validation?: ValidationReport;
  } {
    const rows = this.rows;
    const finished = (this.accumulators ?? []).map((acc) => ({ name: acc.name, ...acc.finish(rows) }));
    const columns = finished.map((f) => f.name);
    const profiles = Object.fromEntries(finished.map((f) => [f.name, f.profile]));
    const contract = this.options.contract;
    if (!contract) return { rows, columns, profiles };
    // A column of the wrong type fails for every non-null value it holds.
    for (const failure of this.typeFailures) failure.count = profiles[failure.column ?? '']?.count ?? rows;
    const failures = [
      ...datasetFailures(contract, columns, rows),
      ...this.typeFailures,
      ...finished.flatMap((f) => f.failures),
    ];
    return { rows, columns, profiles, validation: { valid: failures.length === 0, rows, failures } };
  }
}

/** Dataset-level checks: required and extra columns, row bounds. */
function datasetFailures(contract: DataContract, columns: string[], rows: number): ValidationFailure[] {
  const out: ValidationFailure[] = [];
  const failure = (column: string | null, check: string, count: number, message: string) =>
    out.push({ column, check, count, sampleRows: [], message });
  const present = new Set(columns);
  for (const [name, rule] of Object.entries(contract.columns)) {
    if (rule.required !== false && !present.has(name))
      failure(name, 'required', rows, `required column ${name} is missing`);
  }
  if (contract.allowExtraColumns === false) {
    for (const name of columns) {
      if (!(name in contract.columns))
        failure(name, 'allowExtraColumns', rows, `column ${name} is not in the contract`);
    }
  }
  const bounds = contract.rows;
  if (bounds?.min !== undefined && rows < bounds.min)
    failure(null, 'rows.min', rows, `${rows} rows, fewer than ${bounds.min}`);
  if (bounds?.max !== undefined && rows > bounds.max)
    failure(null, 'rows.max', rows, `${rows} rows, more than ${bounds.max}`);
  return out;
}
