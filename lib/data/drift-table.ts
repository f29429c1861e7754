/**
 * Drift of an in-memory Arrow table (a window of the prediction log, say) against a reference profile, with the
 * same statistics, thresholds and report shape as `computeDrift` over files.
 */
import { createHash } from 'node:crypto';
import { tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { categoricalValues, columnTypeOf, numericValues } from './columns';
import { categoricalDrift, numericDrift, referenceFromProfile } from './drift';
import type { ColumnDrift, DriftReport } from './drift';
import type { DriftPolicy } from './drift-policy';
import type { DatasetProfile } from './report';
import { isNumericType } from './types';

/** Input of `computeTableDrift`. */
export interface TableDriftInput {
  /** The reference profile, and where it came from (a path or an artifact URI, for the report). */
  reference: { profile: DatasetProfile; path: string };
  /** The current data, and a name for it in the report (e.g. `predictions:churn@3`). */
  current: { table: Table; path: string };
  /** Thresholds; `columns` limits the comparison (every profiled column the table has when absent). */
  policy: DriftPolicy;
}

/** One current column: numeric values without nulls, or category counts without nulls. */
type CurrentColumn = { kind: 'numeric'; values: Float64Array } | { kind: 'categorical'; counts: Map<string, number> };

function currentColumn(table: Table, name: string): CurrentColumn | undefined {
  const field = table.schema.fields.find((f) => f.name === name);
  const vector = table.getChild(name);
  if (!field || !vector) return undefined;
  if (isNumericType(columnTypeOf(field.type) ?? 'string')) {
    const all = numericValues(vector);
    const values = new Float64Array(all.length);
    let n = 0;
    for (let i = 0; i < all.length; i++) if (all[i] === all[i]) values[n++] = all[i];
    return { kind: 'numeric', values: values.subarray(0, n) };
  }
  const { codes, dictionary } = categoricalValues(vector);
  const tally = new Float64Array(dictionary.length);
  for (const code of codes) if (code >= 0) tally[code]++;
  const counts = new Map<string, number>();
  dictionary.forEach((value, code) => {
    if (tally[code] > 0) counts.set(value, tally[code]);
  });
  return { kind: 'categorical', counts };
}

/**
 * Compares the table with the profile column by column. The report's `current.sha256` is the digest of the
 * table's Arrow IPC stream: the version of exactly the rows that were judged.
 */
export function computeTableDrift(input: TableDriftInput): DriftReport {
  const { profile } = input.reference;
  const { table } = input.current;
  const { policy } = input;
  const tableColumns = new Set(table.schema.fields.map((f) => f.name));
  const wanted = policy.columns ?? Object.keys(profile.columns).filter((name) => tableColumns.has(name));
  const columns: Record<string, ColumnDrift> = {};
  const missingColumns: string[] = [];
  for (const name of wanted) {
    const profiled = profile.columns[name];
    const cur = currentColumn(table, name);
    if (!profiled || !cur) {
      missingColumns.push(name);
      continue;
    }
    const ref = referenceFromProfile(profiled);
    if (ref.kind === 'numeric' && cur.kind === 'numeric') {
      if (ref.sorted.length === 0 || cur.values.length === 0) continue;
      columns[name] = numericDrift(ref, cur.values, policy);
    } else if (ref.kind === 'categorical' && cur.kind === 'categorical') {
      if (ref.counts.size + ref.other === 0 || cur.counts.size === 0) continue;
      columns[name] = categoricalDrift(ref, cur.counts, policy);
    } else {
      throw new DomainError(
        ErrorType.InvalidInput,
        `column ${name} is ${ref.kind} in the reference and ${cur.kind} now`,
      );
    }
  }
  const sha256 = createHash('sha256').update(tableToIPC(table, 'stream')).digest('hex');
  return {
    reference: {
      path: input.reference.path,
      sha256: profile.dataset.sha256,
      kind: 'profile',
      rows: profile.dataset.rows,
    },
    current: { path: input.current.path, sha256, rows: table.numRows },
    policy,
    columns,
    drifted: Object.entries(columns)
      .filter(([, c]) => c.drifted)
      .map(([name]) => name),
    missingColumns,
  };
}
