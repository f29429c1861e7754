/**
 * Feature preprocessing the built-in trainer fits on training data and exports inside the ONNX graph:
 * numeric features imputed with the mean and standardised, categorical features one-hot encoded.
 */
import type { Table } from 'apache-arrow';
import { categoricalValues, columnTypeOf, numericValues } from '../data/columns';
import { isNumericType } from '../data/types';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/** How one raw feature becomes model inputs. */
export type FeatureSpec =
  | { name: string; kind: 'numeric'; mean: number; std: number }
  | { name: string; kind: 'categorical'; categories: string[] };

/** Most categories one-hot encoded per feature; rarer values share the all-zero code of unknowns. */
export const MAX_CATEGORIES = 64;

/** Width of the encoded row for these features. */
export function encodedWidth(specs: FeatureSpec[]): number {
  return specs.reduce((w, s) => w + (s.kind === 'numeric' ? 1 : s.categories.length), 0);
}

/** Fits feature specs on a training table: every column but the label (and any in `exclude`). */
export function fitFeatures(table: Table, label: string, exclude: string[] = []): FeatureSpec[] {
  if (!table.schema.fields.some((f) => f.name === label)) {
    throw new DomainError(ErrorType.InvalidInput, `label column '${label}' is not in the training data`);
  }
  const specs: FeatureSpec[] = [];
  for (const field of table.schema.fields) {
    if (field.name === label || exclude.includes(field.name)) continue;
    const type = columnTypeOf(field.type) ?? 'string';
    const vector = table.getChild(field.name)!;
    if (isNumericType(type)) {
      const values = numericValues(vector);
      let n = 0;
      let sum = 0;
      for (const v of values) {
        if (v !== v) continue;
        n++;
        sum += v;
      }
      const mean = n > 0 ? sum / n : 0;
      let m2 = 0;
      for (const v of values) if (v === v) m2 += (v - mean) ** 2;
      const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
      specs.push({ name: field.name, kind: 'numeric', mean, std: std > 1e-12 ? std : 1 });
    } else {
      const { codes, dictionary } = categoricalValues(vector);
      const counts = new Float64Array(dictionary.length);
      for (const c of codes) if (c >= 0) counts[c]++;
      const categories = dictionary
        .map((value, code) => ({ value, count: counts[code] }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
        .slice(0, MAX_CATEGORIES)
        .map((c) => c.value)
        .sort();
      specs.push({ name: field.name, kind: 'categorical', categories });
    }
  }
  return specs;
}

/** Encodes a table's features as a dense row-major Float64Array [rows × width], the way the ONNX graph does. */
export function encodeFeatures(
  table: Table,
  specs: FeatureSpec[],
): { matrix: Float64Array; rows: number; width: number } {
  const rows = table.numRows;
  const width = encodedWidth(specs);
  const matrix = new Float64Array(rows * width);
  let column = 0;
  for (const spec of specs) {
    const vector = table.getChild(spec.name);
    if (!vector) throw new DomainError(ErrorType.InvalidInput, `feature '${spec.name}' is missing from the data`);
    if (spec.kind === 'numeric') {
      const values = numericValues(vector);
      for (let r = 0; r < rows; r++) {
        const v = values[r];
        matrix[r * width + column] = ((v === v ? v : spec.mean) - spec.mean) / spec.std;
      }
      column += 1;
    } else {
      const { codes, dictionary } = categoricalValues(vector);
      const index = new Map(spec.categories.map((c, i) => [c, i]));
      const position = Int32Array.from(dictionary, (value) => index.get(value) ?? -1);
      for (let r = 0; r < rows; r++) {
        const code = codes[r];
        const slot = code >= 0 ? position[code] : -1;
        if (slot >= 0) matrix[r * width + column + slot] = 1;
      }
      column += spec.categories.length;
    }
  }
  return { matrix, rows, width };
}

/** Binary labels (0/1) from a label column of numbers, booleans or two distinct strings. */
export function encodeLabels(table: Table, label: string): { labels: Uint8Array; classes: string[] } {
  const vector = table.getChild(label);
  if (!vector) throw new DomainError(ErrorType.InvalidInput, `label column '${label}' is not in the data`);
  const { codes, dictionary } = categoricalValues(vector);
  if (codes.some((c) => c < 0)) throw new DomainError(ErrorType.InvalidInput, `label column '${label}' has nulls`);
  const classes = [...dictionary].sort();
  if (classes.length > 2) {
    throw new DomainError(
      ErrorType.InvalidInput,
      `label column '${label}' has ${classes.length} classes; the built-in trainer is binary`,
    );
  }
  while (classes.length < 2) classes.push(classes[0] === '1' ? '0' : '1');
  const positive = Int32Array.from(dictionary, (v) => (v === classes[1] ? 1 : 0));
  return { labels: Uint8Array.from(codes, (c) => positive[c]), classes };
}
