/**
 * Which model outputs carry the predicted label, the class probabilities or the regression value, and
 * how their tensors turn into per-row class codes and scores.
 */
import type * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import type { LoadedModel, ModelValueInfo } from './load';

/** The task an evaluation scores. */
export type EvaluationTask = 'classification' | 'regression';

/** The outputs an evaluation fetches and what they mean. */
export interface OutputPlan {
  task: EvaluationTask;
  /** Output with the predicted label (string or integer), if the model has one. */
  label?: string;
  /** Float output [N, classes] with class probabilities (classification). */
  probabilities?: string;
  /** Float output with the predicted value (regression). */
  value?: string;
  /** Class labels in probability-column order (classification). */
  classes: string[];
}

const isFloat = (o: ModelValueInfo) => o.isTensor && (o.type === 'float32' || o.type === 'float64');
const isLabel = (o: ModelValueInfo) => o.isTensor && (o.type === 'string' || o.type === 'int64' || o.type === 'int32');

function metadataClasses(model: LoadedModel): string[] | undefined {
  const raw = model.metadata['mlops.classes'];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** Class labels of an ai.onnx.ml classifier node (LinearClassifier, TreeEnsembleClassifier, …) in the graph. */
function classifierClasses(model: LoadedModel): string[] | undefined {
  for (const node of model.graph.nodes) {
    const labels = node.strings.classlabels_strings ?? node.ints.classlabels_int64s?.map(String);
    if (labels && labels.length > 0) return labels;
  }
  return undefined;
}

/** Chooses the outputs to fetch for a task (or infers the task: probabilities or a label → classification). */
export function planOutputs(model: LoadedModel, task?: EvaluationTask): OutputPlan {
  const zip = model.zipMaps[0];
  const label = model.outputs.find(isLabel)?.name;
  const floatOutputs = model.outputs.filter(isFloat);
  const probOutput =
    zip?.probabilities ??
    floatOutputs.find((o) => /prob/i.test(o.name))?.name ??
    floatOutputs.find((o) => o.shape.length === 2 && typeof o.shape[1] === 'number' && o.shape[1] > 1)?.name;
  const chosen: EvaluationTask = task ?? (probOutput || label ? 'classification' : 'regression');
  if (chosen === 'regression') {
    const value = floatOutputs.find((o) => o.name !== probOutput)?.name ?? floatOutputs[0]?.name;
    if (!value) throw new DomainError(ErrorType.ModelInputMismatch, 'model has no float output to score as regression');
    return { task: chosen, value, classes: [] };
  }
  if (!probOutput && !label) {
    throw new DomainError(ErrorType.ModelInputMismatch, 'model has neither a label nor a probability output to score');
  }
  const classes = zip?.classes ?? metadataClasses(model) ?? classifierClasses(model) ?? [];
  if (probOutput && classes.length === 0) {
    throw new DomainError(
      ErrorType.ModelInputMismatch,
      `model output ${probOutput} has no class labels: export it with a ZipMap or record mlops.classes in its metadata`,
    );
  }
  return { task: chosen, label, probabilities: probOutput, classes };
}

/** What scoring reads of an output tensor: an onnxruntime Tensor, or its fields copied to another thread. */
export interface OutputValue {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ort.Tensor['data'];
}

/** Predicted labels of a label tensor as strings. */
export function labelStrings(tensor: ort.Tensor): string[] {
  const data = tensor.data as ArrayLike<unknown>;
  const out = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = String(data[i]);
  return out;
}

/** Values per row of an output: its last dimension, 1 for a vector. */
export function tensorWidth(tensor: OutputValue): number {
  return tensor.dims.length >= 2 ? Number(tensor.dims[tensor.dims.length - 1]) : 1;
}

/** The float data of an output as float64 (copied) with its row width. */
export function floatMatrix(tensor: ort.Tensor): { values: Float64Array; width: number } {
  const data = tensor.data as Float32Array | Float64Array;
  return { values: new Float64Array(data), width: tensorWidth(tensor) };
}

/** Small non-negative integers get a table slot instead of a Map entry: class labels are mostly 0, 1, 2, … */
const SMALL = 1024;

/** Class codes remembered by numeric value (as `String(value)` would find them). */
export class NumberCodes {
  private readonly small = new Int32Array(SMALL).fill(-1);
  private readonly other = new Map<number, number>();

  /** The remembered code, or undefined. */
  get(value: number): number | undefined {
    if (value >= 0 && value < SMALL && Math.floor(value) === value) {
      const code = this.small[value];
      return code >= 0 ? code : undefined;
    }
    return this.other.get(value);
  }

  /** Remembers a code (>= 0). Keys compare as SameValueZero: -0 and 0 share one, as they share the string "0". */
  set(value: number, code: number): void {
    if (value >= 0 && value < SMALL && Math.floor(value) === value) this.small[value] = code;
    else this.other.set(value, code);
  }
}

/**
 * Class codes of predicted labels, as `classIndex.get(String(value)) ?? -1` gives them, without turning every
 * numeric value into a string: a number's code is remembered once found. Misses are not remembered, because a
 * label-only model's classes grow while rows are scored.
 */
export class LabelCoder {
  private readonly numeric = new NumberCodes();

  constructor(private readonly classIndex: ReadonlyMap<string, number>) {}

  /** A function from row to class code over one label tensor (int64, int32 or string). */
  over(tensor: OutputValue): (row: number) => number {
    const data = tensor.data;
    if (data instanceof BigInt64Array) {
      const words = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
      // Little-endian halves; when the high word is the low word's sign, the value is that int32, exactly.
      return (row) => {
        const low = words[2 * row];
        return words[2 * row + 1] === low >> 31 ? this.ofNumber(low) : this.ofString(String(data[row]));
      };
    }
    if (data instanceof Int32Array || data instanceof Float64Array || data instanceof Float32Array) {
      return (row) => this.ofNumber(data[row]);
    }
    const values = data as ArrayLike<unknown>;
    return (row) => this.ofString(String(values[row]));
  }

  private ofNumber(value: number): number {
    const known = this.numeric.get(value);
    if (known !== undefined) return known;
    const code = this.ofString(String(value));
    if (code >= 0) this.numeric.set(value, code);
    return code;
  }

  private ofString(value: string): number {
    return this.classIndex.get(value) ?? -1;
  }
}
