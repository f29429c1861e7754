/** Shapes of validation reports and profiles (JSON on disk and in CLI output). */
import type { ContractFailure } from '../../workflows/contracts';
import type { ColumnTypeName } from './types';

/** Most sample row indices a failure lists. */
export const SAMPLE_ROWS = 5;

/**
 * One failed check: which column (null for row bounds), which contract key (required, type, nullable,
 * maxNullFraction, min, max, allowedValues, unique, allowExtraColumns, rows.min, rows.max), how many rows,
 * and up to SAMPLE_ROWS of them (0-based data rows).
 */
export type ValidationFailure = ContractFailure;

/** The result of validating a dataset against a contract. */
export interface ValidationReport {
  valid: boolean;
  rows: number;
  failures: ValidationFailure[];
}

/** Quantile levels every numeric profile records. */
export const QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;

/** Profile of a numeric (int64, float64, timestamp) column. */
export interface NumericColumnProfile {
  kind: 'numeric';
  type: ColumnTypeName;
  /** Non-null values. */
  count: number;
  nulls: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** p1 … p99, from the sample (exact when the column has no more values than the sample size). */
  quantiles: Record<string, number>;
  /** Equal-width histogram between min and max, counted on the sample. */
  histogram: { edges: number[]; counts: number[] };
  /** Decile bin edges and the sample's share in each: the reference for PSI and Jensen–Shannon. */
  bins: { edges: number[]; proportions: number[] };
  /** A seeded uniform sample of the non-null values (sorted), for KS against this profile. */
  sample: number[];
}

/** Profile of a categorical (string, bool) column. */
export interface CategoricalColumnProfile {
  kind: 'categorical';
  type: ColumnTypeName;
  count: number;
  nulls: number;
  distinct: number;
  /** The most frequent values with their counts, most frequent first. */
  top: { value: string; count: number }[];
  /** Count of the values outside `top`. */
  otherCount: number;
}

/** One column's profile. */
export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

/** A dataset profile: the reference that drift is measured against. */
export interface DatasetProfile {
  version: 1;
  dataset: { path: string; sha256: string; rows: number; format: string };
  /** Seed of the reservoir samples. */
  seed: number;
  sampleSize: number;
  columns: Record<string, ColumnProfile>;
}
