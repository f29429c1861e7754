/** Column types of the data plane, shared by readers, contracts, profiles and drift. */

/** Logical column types a data contract can name. */
export const ColumnType = {
  int64: 'int64',
  float64: 'float64',
  string: 'string',
  bool: 'bool',
  timestamp: 'timestamp',
} as const;
/** One logical column type. */
export type ColumnTypeName = (typeof ColumnType)[keyof typeof ColumnType];

/** Types whose values are numbers for statistics (profiles, KS, PSI). */
export const numericTypes: readonly ColumnTypeName[] = [ColumnType.int64, ColumnType.float64, ColumnType.timestamp];

/** True for types profiled as numeric distributions; the rest are categorical. */
export function isNumericType(type: ColumnTypeName): boolean {
  return numericTypes.includes(type);
}
