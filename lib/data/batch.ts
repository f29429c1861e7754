/** The unit readers yield: an Arrow record batch and where it sits in the dataset. */
import type { RecordBatch } from 'apache-arrow';
import type { ColumnTypeName } from './types';

/** One record batch of a dataset. */
export interface DataBatch {
  batch: RecordBatch;
  /** Index of the batch's first row in the whole dataset. */
  offset: number;
  /** Rows (within the batch) whose text did not parse as the column's type, per column (CSV only). */
  typeErrors?: Map<string, number[]>;
  /** Column types the reader decided on (CSV: explicit or inferred); Arrow and Parquet carry theirs. */
  declaredTypes?: Record<string, ColumnTypeName>;
}
