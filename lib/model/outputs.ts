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

/** Predicted labels of a label tensor as strings. */
export function labelStrings(tensor: ort.Tensor): string[] {
  const data = tensor.data as ArrayLike<unknown>;
  const out = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = String(data[i]);
  return out;
}

/** The float data of an output as float64 (copied) with its row width. */
export function floatMatrix(tensor: ort.Tensor): { values: Float64Array; width: number } {
  const data = tensor.data as Float32Array | Float64Array;
  const width = tensor.dims.length >= 2 ? Number(tensor.dims[tensor.dims.length - 1]) : 1;
  return { values: Float64Array.from(data), width };
}
