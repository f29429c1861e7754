/** Drift of a current dataset against a reference profile or dataset, per column, with reasons. */
import { readFile } from 'node:fs/promises';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { collectColumns } from './collect';
import type { CollectedColumn } from './collect';
import type { DriftPolicy } from './drift-policy';
import {
  binCountsSorted,
  chiSquare,
  jensenShannonDistance,
  ksTwoSample,
  populationStabilityIndex,
} from './drift-stats';
import type { KsTwoSampleResult } from './drift-stats';
import { quantile } from './numeric-accumulator';
import type { ColumnProfile, DatasetProfile } from './report';
import { sortedFloat64 } from './sort';
import { sortedFloat64Aside } from './sort-thread';

/** Drift of one column. */
export interface ColumnDrift {
  kind: 'numeric' | 'categorical';
  psi: number;
  jsDistance: number;
  ks?: KsTwoSampleResult;
  chiSquare?: { statistic: number | null; pValue: number; degreesOfFreedom: number };
  /** Categories in the current data that the reference never had. */
  unseenCategories?: string[];
  referenceCount: number;
  currentCount: number;
  drifted: boolean;
  reasons: string[];
}

/** A drift report. */
export interface DriftReport {
  reference: { path: string; sha256: string; kind: 'profile' | 'dataset'; rows: number };
  current: { path: string; sha256: string; rows: number };
  policy: DriftPolicy;
  columns: Record<string, ColumnDrift>;
  /** Names of the drifted columns. */
  drifted: string[];
  /** Columns of the reference that the current data lacks (not compared). */
  missingColumns: string[];
}

/** A reference side: sorted numeric values with decile bins, or category counts. */
export type Reference =
  | { kind: 'numeric'; sorted: Float64Array; edges: Float64Array; proportions: Float64Array }
  | { kind: 'categorical'; counts: Map<string, number>; other: number };

/** Loads a profile written by `mlops data profile`. */
export async function loadProfile(path: string): Promise<DatasetProfile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DomainError(ErrorType.DatasetNotFound, `reference profile not found: ${path}`);
    throw new DomainError(ErrorType.DatasetCorrupt, `${path} is not a readable profile: ${(err as Error).message}`);
  }
  const profile = parsed as DatasetProfile;
  if (profile?.version !== 1 || typeof profile.columns !== 'object') {
    throw new DomainError(ErrorType.DatasetCorrupt, `${path} is not a profile written by mlops data profile`);
  }
  return profile;
}

function decileEdges(sorted: Float64Array): Float64Array {
  const edges = [...new Set(Array.from({ length: 11 }, (_, i) => quantile(sorted, i / 10)))];
  return Float64Array.from(edges.length === 1 ? [edges[0], edges[0]] : edges);
}

/** The reference side of a numeric column's values (NaN-free): sorted once, with its decile bins. */
export function numericReference(values: Float64Array): Extract<Reference, { kind: 'numeric' }> {
  return referenceOfSorted(sortedFloat64(values));
}

function referenceOfSorted(sorted: Float64Array): Extract<Reference, { kind: 'numeric' }> {
  const edges = decileEdges(sorted);
  return { kind: 'numeric', sorted, edges, proportions: binCountsSorted({ values: sorted, edges }) };
}

/** A dataset reference's column: category counts, or numeric values sorted when they are compared. */
function referenceFromColumn(column: CollectedColumn): Reference | { kind: 'values'; values: Float64Array } {
  if (column.kind === 'categorical') return { kind: 'categorical', counts: column.counts, other: 0 };
  return { kind: 'values', values: column.values };
}

/** The reference side of one profiled column. */
export function referenceFromProfile(column: ColumnProfile): Reference {
  if (column.kind === 'categorical') {
    return {
      kind: 'categorical',
      counts: new Map(column.top.map((t) => [t.value, t.count])),
      other: column.otherCount,
    };
  }
  return {
    kind: 'numeric',
    sorted: Float64Array.from(column.sample),
    edges: Float64Array.from(column.bins.edges),
    proportions: Float64Array.from(column.bins.proportions),
  };
}

/** Drift of a numeric column's current values (NaN-free) against its reference; `values` is left as it was. */
export function numericDrift(
  ref: Extract<Reference, { kind: 'numeric' }>,
  values: Float64Array,
  policy: DriftPolicy,
): ColumnDrift {
  // One sort of the current values serves KS and the bins.
  return driftOfSorted(ref, sortedFloat64(values), policy);
}

/**
 * Drift of a numeric column's current values against a reference column's values (both NaN-free): the reference is
 * sorted on another core while the current values are sorted here. The same result as `numericDrift` on
 * `numericReference(reference)`.
 */
export async function numericDriftOfValues(
  reference: Float64Array,
  values: Float64Array,
  policy: DriftPolicy,
): Promise<ColumnDrift> {
  const referenceSorted = sortedFloat64Aside(reference);
  // Settled below; a failure of this side must not leave that one unobserved.
  referenceSorted.catch(() => undefined);
  const sorted = sortedFloat64(values);
  return driftOfSorted(referenceOfSorted(await referenceSorted), sorted, policy);
}

function driftOfSorted(
  ref: Extract<Reference, { kind: 'numeric' }>,
  sorted: Float64Array,
  policy: DriftPolicy,
): ColumnDrift {
  if (Number.isNaN(sorted[sorted.length - 1])) throw new RangeError('the current sample contains NaN');
  const current = binCountsSorted({ values: sorted, edges: ref.edges });
  const psi = populationStabilityIndex({ reference: ref.proportions, current });
  const jsDistance = jensenShannonDistance({ p: ref.proportions, q: current });
  const ks = ksTwoSample({ reference: ref.sorted, current: sorted, referenceSorted: true, currentSorted: true });
  const reasons: string[] = [];
  if (psi > policy.psi) reasons.push(`psi ${psi.toFixed(4)} > ${policy.psi}`);
  if (jsDistance > policy.jsDistance) reasons.push(`jsDistance ${jsDistance.toFixed(4)} > ${policy.jsDistance}`);
  if (ks.pValue < policy.ksPValue && ks.statistic >= policy.ksStatistic) {
    reasons.push(
      `ks statistic ${ks.statistic.toFixed(4)} with p-value ${ks.pValue.toExponential(2)} < ${policy.ksPValue}`,
    );
  }
  return {
    kind: 'numeric',
    psi,
    jsDistance,
    ks,
    referenceCount: ref.sorted.length,
    currentCount: sorted.length,
    drifted: reasons.length > 0,
    reasons,
  };
}

/** Drift of a categorical column's current counts against its reference. */
export function categoricalDrift(
  ref: Extract<Reference, { kind: 'categorical' }>,
  current: Map<string, number>,
  policy: DriftPolicy,
): ColumnDrift {
  const known = [...ref.counts.keys()];
  const unseen = [...current.keys()].filter((v) => !ref.counts.has(v));
  // With an "other" bucket (a profile's tail), values outside its top list may belong to it.
  const unseenCategories = ref.other > 0 ? [] : unseen;
  const refCounts = [...known.map((v) => ref.counts.get(v) ?? 0), ref.other, ...unseenCategories.map(() => 0)];
  const otherCurrent = ref.other > 0 ? unseen.reduce((s, v) => s + (current.get(v) ?? 0), 0) : 0;
  const curCounts = [
    ...known.map((v) => current.get(v) ?? 0),
    otherCurrent,
    ...unseenCategories.map((v) => current.get(v) ?? 0),
  ];
  const currentTotal = curCounts.reduce((a, b) => a + b, 0);
  const referenceTotal = refCounts.reduce((a, b) => a + b, 0);
  const psi = populationStabilityIndex({ reference: refCounts, current: curCounts });
  const jsDistance = jensenShannonDistance({ p: refCounts, q: curCounts });
  // Chi-square over the reference's categories: expected counts are its shares of the current total.
  const cells = refCounts
    .map((r, i) => ({ r, c: curCounts[i] }))
    .filter((cell, i) => i < known.length + 1 && cell.r > 0);
  const expected = cells.map((cell) => (cell.r / referenceTotal) * currentTotal);
  const observed = cells.map((cell) => cell.c);
  const unseenTotal = unseenCategories.reduce((s, v) => s + (current.get(v) ?? 0), 0);
  let chi: ColumnDrift['chiSquare'];
  if (cells.length >= 2 && unseenTotal === 0) {
    const result = chiSquare({ observed, expected });
    chi = { statistic: result.statistic, pValue: result.pValue, degreesOfFreedom: result.degreesOfFreedom };
  } else if (unseenTotal > 0) {
    chi = { statistic: null, pValue: 0, degreesOfFreedom: cells.length + unseenCategories.length - 1 };
  }
  const reasons: string[] = [];
  if (unseenCategories.length > 0) reasons.push(`unseen categories: ${unseenCategories.slice(0, 10).join(', ')}`);
  if (psi > policy.psi) reasons.push(`psi ${psi.toFixed(4)} > ${policy.psi}`);
  if (jsDistance > policy.jsDistance) reasons.push(`jsDistance ${jsDistance.toFixed(4)} > ${policy.jsDistance}`);
  if (chi && chi.statistic !== null && chi.pValue < policy.chiSquarePValue && jsDistance >= policy.jsDistance / 2) {
    reasons.push(`chi-square p-value ${chi.pValue.toExponential(2)} < ${policy.chiSquarePValue}`);
  }
  return {
    kind: 'categorical',
    psi,
    jsDistance,
    chiSquare: chi,
    unseenCategories,
    referenceCount: referenceTotal,
    currentCount: currentTotal,
    drifted: reasons.length > 0,
    reasons,
  };
}

/** Options of `computeDrift`. */
export interface ComputeDriftOptions {
  /** A profile JSON (from `mlops data profile`) or a dataset. */
  reference: string;
  current: string;
  policy: DriftPolicy;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Compares the current dataset with the reference, column by column. */
export async function computeDrift(options: ComputeDriftOptions): Promise<DriftReport> {
  const { policy } = options;
  const isProfile = options.reference.toLowerCase().endsWith('.json');
  const references = new Map<string, Reference | { kind: 'values'; values: Float64Array }>();
  let reference: DriftReport['reference'];
  if (isProfile) {
    const profile = await loadProfile(options.reference);
    for (const [name, column] of Object.entries(profile.columns)) references.set(name, referenceFromProfile(column));
    reference = {
      path: options.reference,
      sha256: profile.dataset.sha256,
      kind: 'profile',
      rows: profile.dataset.rows,
    };
  } else {
    const ref = await collectColumns(options.reference, { columns: policy.columns, signal: options.signal });
    for (const [name, column] of ref.columns) references.set(name, referenceFromColumn(column));
    reference = { path: ref.path, sha256: ref.sha256, kind: 'dataset', rows: ref.rows };
  }
  const wanted = policy.columns ?? [...references.keys()];
  const current = await collectColumns(options.current, {
    columns: wanted,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const columns: Record<string, ColumnDrift> = {};
  const missingColumns: string[] = [];
  for (const name of wanted) {
    const ref = references.get(name);
    const cur = current.columns.get(name);
    if (!ref || !cur) {
      missingColumns.push(name);
      continue;
    }
    if (ref.kind === 'values' && cur.kind === 'numeric') {
      if (ref.values.length === 0 || cur.values.length === 0) continue;
      columns[name] = await numericDriftOfValues(ref.values, cur.values, policy);
    } else if (ref.kind === 'numeric' && cur.kind === 'numeric') {
      if (ref.sorted.length === 0 || cur.values.length === 0) continue;
      columns[name] = numericDrift(ref, cur.values, policy);
    } else if (ref.kind === 'categorical' && cur.kind === 'categorical') {
      if (ref.counts.size + ref.other === 0 || cur.counts.size === 0) continue;
      columns[name] = categoricalDrift(ref, cur.counts, policy);
    } else {
      throw new DomainError(
        ErrorType.InvalidInput,
        `column ${name} is ${ref.kind === 'values' ? 'numeric' : ref.kind} in the reference and ${cur.kind} now`,
      );
    }
  }
  return {
    reference,
    current: { path: current.path, sha256: current.sha256, rows: current.rows },
    policy,
    columns,
    drifted: Object.entries(columns)
      .filter(([, c]) => c.drifted)
      .map(([name]) => name),
    missingColumns,
  };
}
