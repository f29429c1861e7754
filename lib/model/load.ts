/**
 * Loading an ONNX model for evaluation: the bytes are read once, checked, rewritten so that ZipMap
 * probabilities come back as tensors, and handed to onnxruntime-node from memory (never from a path, so
 * a model cannot pull in external files).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import { mapReadError } from '../data/read';
import { DomainError } from '../errors';
import { exposeTensorOutputs, inspectOnnx, zipMapOutputs } from './onnx-inspect';
import type { OnnxGraphInfo, ZipMapOutput } from './onnx-inspect';

/** Element types the evaluator can feed or read. */
export type TensorTypeName = 'float32' | 'float64' | 'int64' | 'int32' | 'string' | 'bool' | 'other';

/** One input or output of a model as onnxruntime reports it. */
export interface ModelValueInfo {
  name: string;
  isTensor: boolean;
  type: TensorTypeName;
  /** Dimensions; a string for a symbolic one (e.g. the batch), -1 when unknown. */
  shape: (number | string)[];
}

/** A model ready to run. */
export interface LoadedModel {
  path: string;
  sha256: string;
  session: ort.InferenceSession;
  inputs: ModelValueInfo[];
  outputs: ModelValueInfo[];
  metadata: Record<string, string>;
  zipMaps: ZipMapOutput[];
  graph: OnnxGraphInfo;
}

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** Threads onnxruntime uses inside one operator (default: its own choice). */
  intraOpThreads?: number;
}

function typeName(type: string): TensorTypeName {
  const known: Record<string, TensorTypeName> = {
    float32: 'float32',
    float64: 'float64',
    int64: 'int64',
    int32: 'int32',
    string: 'string',
    bool: 'bool',
  };
  return known[type] ?? 'other';
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): ModelValueInfo[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, isTensor: true, type: typeName(m.type), shape: m.shape.map((d) => d ?? -1) }
      : { name: m.name, isTensor: false, type: 'other', shape: [] },
  );
}

function invalid(path: string, reason: string, cause?: unknown): DomainError {
  const line = reason.split('\n')[0].slice(0, 300);
  return new DomainError(ErrorType.ModelInvalid, `${path} is not a loadable ONNX model: ${line}`, { cause });
}

/** Reads, checks and opens an ONNX model; ModelInvalid for anything onnxruntime cannot load. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const mapped = mapReadError(err, path);
    if (mapped instanceof DomainError) throw new DomainError(ErrorType.ModelInvalid, mapped.message, { cause: err });
    throw mapped;
  }
  let graph: OnnxGraphInfo;
  try {
    graph = inspectOnnx(bytes);
  } catch (err) {
    throw invalid(path, `malformed protobuf (${(err as Error).message})`, err);
  }
  if (graph.externalData) throw invalid(path, 'tensors stored in external files are not supported');
  if (graph.nodes.length === 0) throw invalid(path, 'the file holds no graph');
  const zipMaps = zipMapOutputs(graph);
  const runnable = exposeTensorOutputs(
    bytes,
    zipMaps.map((z) => z.probabilities),
  );
  const sessionOptions: ort.InferenceSession.SessionOptions = {};
  if (options.intraOpThreads) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(runnable, sessionOptions);
  } catch (err) {
    throw invalid(path, String((err as Error).message ?? err), err);
  }
  return {
    path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    session,
    inputs: describe(session.inputMetadata),
    outputs: describe(session.outputMetadata),
    metadata: graph.metadata,
    zipMaps,
    graph,
  };
}
