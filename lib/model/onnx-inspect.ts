/**
 * Reads what evaluation needs from ONNX bytes without a schema library: metadata, nodes and graph outputs,
 * and rewrites a model so that probabilities hidden behind a ZipMap become a plain tensor output.
 */
import { ProtoWriter } from './protobuf';
import { protoFields, protoInts, protoString } from './protobuf-reader';
import type { ProtoField } from './protobuf-reader';

/** One node of the main graph, with the attributes evaluation reads. */
export interface OnnxNodeInfo {
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  strings: Record<string, string[]>;
  ints: Record<string, bigint[]>;
}

/** The parts of an ONNX model that evaluation looks at. */
export interface OnnxGraphInfo {
  metadata: Record<string, string>;
  nodes: OnnxNodeInfo[];
  outputs: string[];
  /** True when a tensor keeps its data in an external file (refused: a model must be one file). */
  externalData: boolean;
}

/** A ZipMap output and the probability tensor behind it. */
export interface ZipMapOutput {
  /** The graph output the ZipMap produces (a sequence of maps). */
  output: string;
  /** The tensor that feeds it, [N, classes]. */
  probabilities: string;
  /** Class labels in column order. */
  classes: string[];
}

const FLOAT = 1;

function parseNode(bytes: Uint8Array): OnnxNodeInfo {
  const node: OnnxNodeInfo = { opType: '', domain: '', inputs: [], outputs: [], strings: {}, ints: {} };
  for (const f of protoFields(bytes)) {
    if (f.field === 1) node.inputs.push(protoString(f));
    else if (f.field === 2) node.outputs.push(protoString(f));
    else if (f.field === 4) node.opType = protoString(f);
    else if (f.field === 7) node.domain = protoString(f);
    else if (f.field === 5 && f.bytes) parseAttribute(f.bytes, node);
  }
  return node;
}

function parseAttribute(bytes: Uint8Array, node: OnnxNodeInfo): void {
  let name = '';
  const strings: string[] = [];
  const ints: bigint[] = [];
  for (const f of protoFields(bytes)) {
    if (f.field === 1) name = protoString(f);
    else if (f.field === 9) strings.push(protoString(f));
    else if (f.field === 8) ints.push(...protoInts(f));
  }
  if (strings.length > 0) node.strings[name] = strings;
  if (ints.length > 0) node.ints[name] = ints;
}

function tensorIsExternal(bytes: Uint8Array): boolean {
  for (const f of protoFields(bytes)) if (f.field === 14 && f.int === 1n) return true;
  return false;
}

function findGraph(bytes: Uint8Array): ProtoField | undefined {
  for (const f of protoFields(bytes)) if (f.field === 7 && f.wireType === 2) return f;
  return undefined;
}

/** Parses model metadata, the main graph's nodes and outputs; throws ProtoDecodeError on malformed bytes. */
export function inspectOnnx(bytes: Uint8Array): OnnxGraphInfo {
  const info: OnnxGraphInfo = { metadata: {}, nodes: [], outputs: [], externalData: false };
  for (const f of protoFields(bytes)) {
    if (f.field === 14 && f.bytes) {
      let key = '';
      let value = '';
      for (const e of protoFields(f.bytes)) {
        if (e.field === 1) key = protoString(e);
        else if (e.field === 2) value = protoString(e);
      }
      info.metadata[key] = value;
    }
  }
  const graph = findGraph(bytes);
  if (!graph?.bytes) return info;
  for (const f of protoFields(graph.bytes)) {
    if (f.field === 1 && f.bytes) info.nodes.push(parseNode(f.bytes));
    else if (f.field === 5 && f.bytes && tensorIsExternal(f.bytes)) info.externalData = true;
    else if (f.field === 12 && f.bytes) {
      for (const v of protoFields(f.bytes)) if (v.field === 1) info.outputs.push(protoString(v));
    }
  }
  return info;
}

/** The ZipMap nodes whose results are graph outputs, with their class labels. */
export function zipMapOutputs(info: OnnxGraphInfo): ZipMapOutput[] {
  return info.nodes
    .filter((n) => n.opType === 'ZipMap' && n.outputs.some((o) => info.outputs.includes(o)))
    .map((n) => ({
      output: n.outputs[0],
      probabilities: n.inputs[0],
      classes: n.strings.classlabels_strings ?? (n.ints.classlabels_int64s ?? []).map(String),
    }));
}

/**
 * The model with each ZipMap's input tensor added as a graph output. onnxruntime-node cannot return
 * sequences of maps, but it can return the float tensor the map is built from.
 */
export function exposeTensorOutputs(bytes: Uint8Array, names: string[]): Uint8Array {
  const graph = findGraph(bytes);
  if (!graph?.bytes || names.length === 0) return bytes;
  const extra = new ProtoWriter();
  for (const name of names) {
    extra.message(12, (v) => v.string(1, name).message(2, (t) => t.message(1, (tt) => tt.int(1, FLOAT))));
  }
  const extraBytes = extra.finish();
  const newGraph = new Uint8Array(graph.bytes.length + extraBytes.length);
  newGraph.set(graph.bytes, 0);
  newGraph.set(extraBytes, graph.bytes.length);
  const model = new ProtoWriter();
  const head = bytes.subarray(0, graph.start);
  const tail = bytes.subarray(graph.end);
  model.raw(head).bytes(7, newGraph).raw(tail);
  return model.finish();
}
