/**
 * Reads what evaluation needs from ONNX bytes without a schema library: metadata, nodes and graph outputs,
 * and rewrites a model so that probabilities hidden behind a ZipMap become a plain tensor output.
 */
import { ProtoWriter } from './protobuf';
import { ProtoDecodeError, protoFields, protoInts, protoString } from './protobuf-reader';
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

/** Subgraphs nest (If, Loop, Scan); deeper than this is refused as malformed rather than walked. */
const MAX_NESTING = 64;

function nested(depth: number): number {
  if (depth > MAX_NESTING) throw new ProtoDecodeError(`model nests graphs more than ${MAX_NESTING} deep`);
  return depth + 1;
}

/** TensorProto: data_location = EXTERNAL (14) or any external_data entry (13). */
function tensorIsExternal(bytes: Uint8Array): boolean {
  for (const f of protoFields(bytes)) {
    if (f.field === 14 && f.int === 1n) return true;
    if (f.field === 13 && f.wireType === 2) return true;
  }
  return false;
}

/** SparseTensorProto: its values (1) and indices (2) tensors. */
function sparseIsExternal(bytes: Uint8Array): boolean {
  for (const f of protoFields(bytes))
    if ((f.field === 1 || f.field === 2) && f.bytes && tensorIsExternal(f.bytes)) return true;
  return false;
}

/** AttributeProto: t (5), g (6), tensors (10), graphs (11), sparse_tensor (22), sparse_tensors (23). */
function attributeIsExternal(bytes: Uint8Array, depth: number): boolean {
  for (const f of protoFields(bytes)) {
    if (!f.bytes) continue;
    if ((f.field === 5 || f.field === 10) && tensorIsExternal(f.bytes)) return true;
    if ((f.field === 6 || f.field === 11) && graphIsExternal(f.bytes, nested(depth))) return true;
    if ((f.field === 22 || f.field === 23) && sparseIsExternal(f.bytes)) return true;
  }
  return false;
}

/** NodeProto: every attribute (5). */
function nodeIsExternal(bytes: Uint8Array, depth: number): boolean {
  for (const f of protoFields(bytes)) if (f.field === 5 && f.bytes && attributeIsExternal(f.bytes, depth)) return true;
  return false;
}

/** GraphProto: nodes (1), initializers (5), sparse initializers (15), and the subgraphs inside nodes. */
function graphIsExternal(bytes: Uint8Array, depth: number): boolean {
  for (const f of protoFields(bytes)) {
    if (!f.bytes) continue;
    if (f.field === 1 && nodeIsExternal(f.bytes, depth)) return true;
    if (f.field === 5 && tensorIsExternal(f.bytes)) return true;
    if (f.field === 15 && sparseIsExternal(f.bytes)) return true;
  }
  return false;
}

/** FunctionProto: its nodes (7). */
function functionIsExternal(bytes: Uint8Array): boolean {
  for (const f of protoFields(bytes)) if (f.field === 7 && f.bytes && nodeIsExternal(f.bytes, 1)) return true;
  return false;
}

/**
 * True when any tensor of the model keeps its data in an external file: graph and sparse initializers, tensors in
 * node attributes (Constant), subgraphs of control-flow nodes at any depth, and the nodes of model-local functions.
 */
export function modelHasExternalData(bytes: Uint8Array): boolean {
  for (const f of protoFields(bytes)) {
    if (!f.bytes) continue;
    if (f.field === 7 && graphIsExternal(f.bytes, 0)) return true;
    if (f.field === 25 && functionIsExternal(f.bytes)) return true;
  }
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
  info.externalData = modelHasExternalData(bytes);
  const graph = findGraph(bytes);
  if (!graph?.bytes) return info;
  for (const f of protoFields(graph.bytes)) {
    if (f.field === 1 && f.bytes) info.nodes.push(parseNode(f.bytes));
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
