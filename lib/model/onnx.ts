/**
 * ONNX model building: the subset of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, …) that
 * exported models need, encoded with field numbers from the ONNX specification.
 */
import { ProtoWriter } from './protobuf';

/** ONNX tensor element types used here. */
export const OnnxType = { FLOAT: 1, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;
/** One ONNX element type. */
export type OnnxTypeId = (typeof OnnxType)[keyof typeof OnnxType];

/** A node attribute value. */
export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] };

/** A graph node. */
export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

/** A constant tensor (initializer). */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  type: typeof OnnxType.FLOAT | typeof OnnxType.INT64;
  values: ArrayLike<number>;
}

/** A graph input or output: name, element type and shape (null dims are symbolic, e.g. the batch). */
export interface OnnxValueInfo {
  name: string;
  type: OnnxTypeId;
  shape: (number | string)[];
}

/** A whole model. */
export interface OnnxModel {
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Operator sets: '' is ai.onnx. */
  opsets: Record<string, number>;
  metadata?: Record<string, string>;
  producer?: { name: string; version: string };
  docString?: string;
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7, strings: 8 } as const;

function writeAttribute(w: ProtoWriter, name: string, attr: AttributeValue): void {
  w.string(1, name);
  switch (attr.kind) {
    case 'float':
      w.float(2, attr.value);
      break;
    case 'int':
      w.int(3, attr.value);
      break;
    case 'string':
      w.string(4, attr.value);
      break;
    case 'floats':
      w.packedFloats(7, attr.value);
      break;
    case 'ints':
      w.packedInts(8, attr.value);
      break;
    case 'strings':
      for (const s of attr.value) w.string(9, s);
      break;
  }
  w.int(20, ATTRIBUTE_TYPE[attr.kind]);
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, info.type);
      tensor.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

function writeInitializer(w: ProtoWriter, init: OnnxInitializer): void {
  w.packedInts(1, init.dims);
  w.int(2, init.type);
  w.string(8, init.name);
  if (init.type === OnnxType.FLOAT) w.packedFloats(4, init.values);
  else
    w.packedInts(
      7,
      Array.from(init.values, (v) => BigInt(v)),
    );
}

/** Encodes a model as ONNX protobuf bytes (IR version 8). */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8);
  w.string(2, model.producer?.name ?? 'temporal-mlops');
  w.string(3, model.producer?.version ?? '0');
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => {
    model.nodes.forEach((node, i) =>
      g.message(1, (n) => {
        node.inputs.forEach((input) => n.string(1, input));
        node.outputs.forEach((output) => n.string(2, output));
        n.string(3, node.name ?? `${node.opType}_${i}`);
        n.string(4, node.opType);
        for (const [name, attr] of Object.entries(node.attributes ?? {}))
          n.message(5, (a) => writeAttribute(a, name, attr));
        if (node.domain) n.string(7, node.domain);
      }),
    );
    g.string(2, model.graphName);
    for (const init of model.initializers) g.message(5, (t) => writeInitializer(t, init));
    for (const input of model.inputs) g.message(11, (v) => writeValueInfo(v, input));
    for (const output of model.outputs) g.message(12, (v) => writeValueInfo(v, output));
  });
  for (const [domain, version] of Object.entries(model.opsets)) {
    w.message(8, (o) => {
      if (domain) o.string(1, domain);
      o.int(2, version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, (m) => m.string(1, key).string(2, value));
  }
  return w.finish();
}
