/**
 * The simple row form, `{"instances": [{feature: value, …}]}`: every feature the version binds must be present in
 * every row (by name); values are converted as the evaluator converts dataset columns.
 */
import type { ColumnData } from '../model/binding';
import { buildFeeds } from '../model/binding';
import { HttpError, isObject } from './http';
import type { ServedVersion } from './served-version';
import type { DecodedRequest, FeatureColumns } from './tensors';

function bad(message: string): HttpError {
  return new HttpError(400, message);
}

/** Reads one feature of every row: numbers (null → NaN) for numeric features, text for string ones. */
function featureColumn(
  rows: Record<string, unknown>[],
  name: string,
  numeric: boolean,
  all: string,
): Float64Array | string[] {
  const missing = rows.findIndex((row) => !(name in row));
  if (missing >= 0) throw bad(`instance ${missing} has no feature '${name}' (the model takes ${all})`);
  if (!numeric) {
    return rows.map((row, i) => {
      const v = row[name];
      if (v === null) return '';
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw bad(`feature '${name}' of instance ${i} must be a string, got ${JSON.stringify(v)}`);
    });
  }
  return Float64Array.from(rows, (row, i) => {
    const v = row[name];
    if (v === null) return NaN;
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw bad(`feature '${name}' of instance ${i} must be a number or null, got ${JSON.stringify(v)}`);
  });
}

/** A numeric column in the element type of the input it feeds (as the evaluator's columnData converts). */
function asInputType(values: Float64Array, type: string): ColumnData {
  if (type === 'float32') return Float32Array.from(values);
  if (type === 'int32') return Int32Array.from(values, (v) => (Number.isNaN(v) ? 0 : v));
  if (type === 'bool') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  if (type === 'int64') return BigInt64Array.from(values, (v) => (Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n));
  return values;
}

/** Decodes a `:predict` body into feeds; 400 naming the first missing or ill-typed feature. */
export function decodeInstances(version: ServedVersion, body: unknown): DecodedRequest {
  if (!version.bindings) {
    throw bad(
      `model '${version.model}' version ${version.version} has inputs that rows cannot name: use /v2/models/${version.model}/infer`,
    );
  }
  if (!isObject(body) || !Array.isArray(body.instances) || body.instances.length === 0) {
    throw bad('request must be a JSON object with a non-empty instances array of {feature: value} objects');
  }
  const rows = body.instances;
  const notObject = rows.findIndex((row) => !isObject(row));
  if (notObject >= 0) throw bad(`instance ${notObject} must be an object of {feature: value}`);
  const objects = rows as Record<string, unknown>[];
  const all = version.features.map((f) => f.name).join(', ');
  const features: FeatureColumns = new Map();
  for (const f of version.features) features.set(f.name, featureColumn(objects, f.name, f.numeric, all));
  const data = new Map<string, ColumnData>();
  for (const b of version.bindings) {
    if (b.kind === 'matrix') {
      for (const name of b.columns) data.set(name, features.get(name) as Float64Array);
    } else {
      const column = features.get(b.column) as Float64Array | string[];
      data.set(b.column, Array.isArray(column) ? column : asInputType(column, b.type));
    }
  }
  return { rows: objects.length, feeds: buildFeeds(version.bindings, data, 0, objects.length), features };
}
