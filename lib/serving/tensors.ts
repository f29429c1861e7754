/**
 * Open Inference Protocol v2 tensors in JSON: request inputs bound to model inputs by name (never by position),
 * checked against the input's datatype and shape, and run outputs encoded back.
 */
import * as ort from 'onnxruntime-node';
import type { ModelValueInfo, TensorTypeName } from '../model/load';
import { HttpError, isObject } from './http';
import type { Feeds } from './batcher';
import type { ServedVersion } from './served-version';

/** OIP datatype of each tensor element type. */
export const DATATYPE_OF: Record<TensorTypeName, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  string: 'BYTES',
  bool: 'BOOL',
  other: 'UNKNOWN',
};

const NUMERIC_DATATYPES = new Set(['FP32', 'FP64', 'INT64', 'INT32']);

/** Feature columns of a request for the prediction log: float64 for numeric features, text otherwise. */
export type FeatureColumns = Map<string, Float64Array | string[]>;

/** A request decoded into feeds. */
export interface DecodedRequest {
  rows: number;
  feeds: Feeds;
  features: FeatureColumns;
  /** A batch key shared by every request decoded alike (see `RunBatcher.run`); undefined to compare feeds. */
  sameAs?: string;
}

/** An OIP v2 tensor in JSON. */
export interface OipTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

/** A model input or output as OIP metadata shows it (symbolic and unknown dimensions are -1). */
export function oipTensorMetadata(info: ModelValueInfo): { name: string; datatype: string; shape: number[] } {
  return {
    name: info.name,
    datatype: DATATYPE_OF[info.type],
    shape: info.shape.map((d) => (typeof d === 'number' ? d : -1)),
  };
}

function bad(message: string): HttpError {
  return new HttpError(400, message);
}

function flatten(data: unknown, out: unknown[], depth: number): void {
  if (!Array.isArray(data)) {
    out.push(data);
    return;
  }
  if (depth > 32) throw bad('input data is nested more than 32 levels deep');
  for (const item of data) flatten(item, out, depth + 1);
}

/** The 400 for a wrong element (a module-level function: a closure per request would cost on the hot path). */
function wrongElement(name: string, values: unknown[], i: number, want: string): HttpError {
  return bad(`input '${name}' element ${i} must be ${want}, got ${JSON.stringify(values[i]) ?? 'undefined'}`);
}

/** Converts JSON elements to the typed data of a model input type; 400 naming the input for a wrong element. */
export function typedData(name: string, type: TensorTypeName, values: unknown[]): ort.Tensor.DataType {
  if (type === 'string') {
    return values.map((v, i) => {
      if (typeof v !== 'string') throw wrongElement(name, values, i, 'a string');
      return v;
    });
  }
  if (type === 'bool') {
    return Uint8Array.from(values, (v, i) => {
      if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw wrongElement(name, values, i, 'true or false');
      return v ? 1 : 0;
    });
  }
  const floats = type === 'float32' || type === 'float64';
  const numbers = values.map((v, i) => {
    if (v === null && floats) return NaN;
    if (typeof v !== 'number' || (!floats && !Number.isInteger(v)))
      throw wrongElement(name, values, i, floats ? 'a number or null' : 'an integer');
    return v;
  });
  if (type === 'float32') return Float32Array.from(numbers);
  if (type === 'float64') return Float64Array.from(numbers);
  if (type === 'int32') return Int32Array.from(numbers);
  return BigInt64Array.from(numbers, (v) => BigInt(v));
}

function checkShape(input: ModelValueInfo, shape: number[]): void {
  const model = input.shape;
  const fits =
    model.length === 0 ||
    (model.length === shape.length && model.every((d, i) => typeof d !== 'number' || d < 0 || d === shape[i]));
  if (!fits) {
    const want = model.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
    throw bad(
      `input '${input.name}' has shape [${shape.join(',')}] but the model takes [${want.join(',')}] (-1: any size)`,
    );
  }
}

/** Reads one request input: name, datatype, shape and data, checked against the model input of that name. */
function decodeInput(
  version: ServedVersion,
  raw: unknown,
  index: number,
): { info: ModelValueInfo; shape: number[]; values: unknown[] } {
  if (!isObject(raw) || typeof raw.name !== 'string') throw bad(`inputs[${index}] must be an object with a name`);
  const info = version.loaded.inputs.find((i) => i.name === raw.name);
  if (!info) {
    const names = version.loaded.inputs.map((i) => i.name).join(', ');
    throw bad(`model '${version.model}' has no input '${raw.name}': its inputs are ${names}`);
  }
  const shape = raw.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw bad(`input '${info.name}' needs a shape: an array of non-negative integers`);
  }
  const datatype = String(raw.datatype ?? '');
  const want = DATATYPE_OF[info.type];
  const compatible = datatype === want || (NUMERIC_DATATYPES.has(datatype) && NUMERIC_DATATYPES.has(want));
  if (!compatible) throw bad(`input '${info.name}' has datatype ${datatype || '(none)'} but the model takes ${want}`);
  const values: unknown[] = [];
  flatten(raw.data, values, 0);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (raw.data === undefined || values.length !== count) {
    throw bad(`input '${info.name}' has ${values.length} elements for shape [${shape.join(',')}] (${count} expected)`);
  }
  checkShape(info, shape as number[]);
  return { info, shape: shape as number[], values };
}

/** Feature columns of decoded inputs, as the version's bindings name them. */
function featureColumns(version: ServedVersion, byInput: Map<string, unknown[]>, rows: number): FeatureColumns {
  const out: FeatureColumns = new Map();
  for (const b of version.bindings ?? []) {
    const values = byInput.get(b.input) as unknown[];
    const names = b.kind === 'column' ? [b.column] : b.columns;
    if (values.length !== rows * names.length) continue;
    names.forEach((name, j) => {
      const picked = Array.from({ length: rows }, (_, r) => values[r * names.length + j]);
      const numeric = version.features.find((f) => f.name === name)?.numeric ?? true;
      out.set(
        name,
        numeric
          ? Float64Array.from(picked, (v) => (typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : NaN))
          : picked.map(String),
      );
    });
  }
  return out;
}

/** Decodes an OIP v2 infer request body; 400 for any input that does not match the model. */
export function decodeInferRequest(
  version: ServedVersion,
  body: unknown,
): DecodedRequest & { id?: string; outputs?: string[] } {
  if (!isObject(body) || !Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw bad('request must be a JSON object with a non-empty inputs array (Open Inference Protocol v2)');
  }
  const feeds: Record<string, ort.Tensor> = {};
  const byInput = new Map<string, unknown[]>();
  let rows: number | undefined;
  body.inputs.forEach((raw, i) => {
    const { info, shape, values } = decodeInput(version, raw, i);
    if (feeds[info.name]) throw bad(`input '${info.name}' is given twice`);
    const batch = shape.length > 0 ? shape[0] : 1;
    if (rows !== undefined && batch !== rows)
      throw bad(`input '${info.name}' has ${batch} rows but an earlier input has ${rows}`);
    rows = batch;
    feeds[info.name] = new ort.Tensor(
      info.type === 'other' ? 'float32' : info.type,
      typedData(info.name, info.type, values),
      shape,
    );
    byInput.set(info.name, values);
  });
  const missing = version.loaded.inputs.filter((i) => !feeds[i.name]).map((i) => i.name);
  if (missing.length > 0) throw bad(`request lacks the model's inputs: ${missing.join(', ')} (inputs bind by name)`);
  let outputs: string[] | undefined;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw bad('outputs must be an array of {"name": ...}');
    outputs = body.outputs.map((o) => (isObject(o) ? String(o.name) : String(o)));
    const unknown = outputs.filter((o) => !version.tensorOutputs.includes(o));
    if (unknown.length > 0)
      throw bad(`model has no output ${unknown.join(', ')}: its outputs are ${version.tensorOutputs.join(', ')}`);
  }
  const id = body.id === undefined ? undefined : String(body.id);
  return { rows: rows as number, feeds, features: featureColumns(version, byInput, rows as number), id, outputs };
}

/** Encodes run outputs as OIP v2 tensors (int64 as numbers, strings as BYTES). */
export function encodeOutputs(
  version: ServedVersion,
  results: ort.InferenceSession.OnnxValueMapType,
  names: string[],
): OipTensor[] {
  return names.map((name) => {
    const tensor = results[name] as ort.Tensor;
    const info = version.loaded.outputs.find((o) => o.name === name);
    const data = tensor.data as ArrayLike<unknown>;
    const values = data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data as ArrayLike<unknown>);
    return { name, datatype: DATATYPE_OF[info?.type ?? 'other'], shape: tensor.dims.map(Number), data: values };
  });
}
