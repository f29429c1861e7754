/**
 * The simple row form, `{"instances": [{feature: value, …}]}`: every feature the version binds must be present in
 * every row (by name); values are converted as the evaluator converts dataset columns.
 */
import * as ort from 'onnxruntime-node';
import type { ColumnData, InputBinding } from '../model/binding';
import { buildFeeds } from '../model/binding';
import { HttpError, isObject } from './http';
import type { ServedVersion } from './served-version';
import type { Feeds } from './batcher';
import type { DecodedRequest, FeatureColumns } from './tensors';

/** The batch key of `:predict` requests: a version decodes them all to the same inputs, types and trailing dims. */
const ROWS_KEY = '\u0002rows';

function bad(message: string): HttpError {
  return new HttpError(400, message);
}

/** The features a version takes, for error messages. */
function featureList(version: ServedVersion): string {
  return version.features.map((f) => f.name).join(', ');
}

function missingFeature(name: string, row: number, version: ServedVersion): HttpError {
  return bad(`instance ${row} has no feature '${name}' (the model takes ${featureList(version)})`);
}

/** Reads one feature of every row: numbers (null → NaN) for numeric features, text for string ones. */
function featureColumn(
  rows: Record<string, unknown>[],
  name: string,
  numeric: boolean,
  version: ServedVersion,
): Float64Array | string[] {
  if (!numeric) {
    return rows.map((row, i) => {
      const v = row[name];
      if (v === null) return '';
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
      if (v === undefined && !(name in row)) throw missingFeature(name, i, version);
      throw bad(`feature '${name}' of instance ${i} must be a string, got ${JSON.stringify(v)}`);
    });
  }
  // One pass, the common case (a number) first; a missing key reads as undefined and is told apart only then.
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i][name];
    if (typeof v === 'number') out[i] = v;
    else if (v === null) out[i] = NaN;
    else if (typeof v === 'boolean') out[i] = v ? 1 : 0;
    else if (v === undefined && !(name in rows[i])) throw missingFeature(name, i, version);
    else throw bad(`feature '${name}' of instance ${i} must be a number or null, got ${JSON.stringify(v)}`);
  }
  return out;
}

/** A numeric column in the element type of the input it feeds (as the evaluator's columnData converts). */
function asInputType(values: Float64Array, type: string): ColumnData {
  if (type === 'float32') return new Float32Array(values);
  if (type === 'int32') return Int32Array.from(values, (v) => (Number.isNaN(v) ? 0 : v));
  if (type === 'bool') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  if (type === 'int64') return BigInt64Array.from(values, (v) => (Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n));
  return values;
}

/**
 * Decodes a `:predict` body into feeds; 400 naming the first missing or ill-typed feature. An input per feature is
 * fed the request's own column (rows × 1, no copy beyond the type conversion), as `buildFeeds` would lay it out;
 * matrix inputs go through `buildFeeds`.
 */
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
  const n = objects.length;
  const features: FeatureColumns = new Map();
  for (const f of version.features) features.set(f.name, featureColumn(objects, f.name, f.numeric, version));
  const feeds: Feeds = {};
  let matrices: Extract<InputBinding, { kind: 'matrix' }>[] | undefined;
  for (const b of version.bindings) {
    if (b.kind === 'matrix') {
      (matrices ??= []).push(b);
      continue;
    }
    const column = features.get(b.column) as Float64Array | string[];
    const dims = b.rank === 1 ? [n] : [n, 1];
    if ((b.type === 'float32' || b.type === 'other') && !Array.isArray(column)) {
      // Left float64: the tensor is made (and converted) when it runs, once for a whole batch.
      feeds[b.input] = { type: 'float32', data: column, dims };
      continue;
    }
    const data = Array.isArray(column) ? column : asInputType(column, b.type);
    feeds[b.input] = new ort.Tensor(b.type === 'other' ? 'float32' : b.type, data, dims);
  }
  if (matrices) {
    const data = new Map<string, ColumnData>();
    for (const b of matrices) for (const name of b.columns) data.set(name, features.get(name) as Float64Array);
    Object.assign(feeds, buildFeeds(matrices, data, 0, n));
  }
  return { rows: n, feeds, features, sameAs: ROWS_KEY };
}
