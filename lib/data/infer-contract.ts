/** A starting data contract from a profile: types, nullability, observed ranges and small category sets. */
import type { ColumnRule, DataContract } from './contract';
import type { DatasetProfile } from './report';
import { ColumnType } from './types';

/** Categorical columns with at most this many distinct values get `allowedValues`. */
export const MAX_ALLOWED_VALUES = 20;

/**
 * Writes down what the profiled data looks like: every column required with its type; non-nullable when
 * it had no nulls; numeric min/max as observed; allowedValues for small category sets; at least one row.
 * A person should widen the bounds that must tolerate new data.
 */
export function inferContract(profile: DatasetProfile): DataContract {
  const columns: Record<string, ColumnRule> = {};
  for (const [name, column] of Object.entries(profile.columns)) {
    const rule: ColumnRule = { type: column.type, nullable: column.nulls > 0 };
    if (column.kind === 'numeric' && column.min !== null && column.max !== null) {
      if (column.type === ColumnType.timestamp) {
        rule.min = new Date(column.min).toISOString();
        rule.max = new Date(column.max).toISOString();
      } else {
        rule.min = column.min;
        rule.max = column.max;
      }
    }
    if (column.kind === 'categorical' && column.distinct > 0 && column.distinct <= MAX_ALLOWED_VALUES) {
      const values = column.top.map((t) => t.value);
      rule.allowedValues = column.type === ColumnType.bool ? values.map((v) => v === 'true') : values.sort();
    }
    columns[name] = rule;
  }
  return { columns, rows: { min: 1 }, allowExtraColumns: true };
}
