/**
 * Exports a trained built-in model as ONNX with its preprocessing inside the graph: one input per raw
 * feature ([N, 1] float, NaN = missing, or [N, 1] string), outputs `label` and `probabilities` [N, 2].
 */
import { encodeModel, OnnxType } from '../model/onnx';
import type { AttributeValue, OnnxInitializer, OnnxModel, OnnxNode, OnnxValueInfo } from '../model/onnx';
import type { FeatureSpec } from './features';
import type { Layer } from './mlp';

/** What the exported model records about itself in its metadata. */
export interface ExportInfo {
  specs: FeatureSpec[];
  layers: Layer[];
  /** Class values, index 0 and 1. */
  classes: string[];
  label: string;
  /** Free-form provenance (trainer, params, dataset digests). */
  metadata?: Record<string, string>;
}

/** Builds the ONNX graph of the model. */
export function buildOnnxModel(info: ExportInfo): OnnxModel {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  const inputs: OnnxValueInfo[] = [];
  const constant = (name: string, values: number[], dims: number[] = [values.length]) =>
    initializers.push({ name, dims, type: OnnxType.FLOAT, values });
  initializers.push({ name: 'axes_1', dims: [1], type: OnnxType.INT64, values: [1] });
  const encoded: string[] = [];
  info.specs.forEach((spec, i) => {
    const x = spec.name;
    if (spec.kind === 'numeric') {
      inputs.push({ name: x, type: OnnxType.FLOAT, shape: ['N', 1] });
      constant(`mean_${i}`, [spec.mean]);
      constant(`std_${i}`, [spec.std]);
      nodes.push({ opType: 'IsNaN', inputs: [x], outputs: [`isnan_${i}`] });
      nodes.push({ opType: 'Where', inputs: [`isnan_${i}`, `mean_${i}`, x], outputs: [`imputed_${i}`] });
      nodes.push({ opType: 'Sub', inputs: [`imputed_${i}`, `mean_${i}`], outputs: [`centred_${i}`] });
      nodes.push({ opType: 'Div', inputs: [`centred_${i}`, `std_${i}`], outputs: [`scaled_${i}`] });
      encoded.push(`scaled_${i}`);
    } else {
      inputs.push({ name: x, type: OnnxType.STRING, shape: ['N', 1] });
      nodes.push({
        opType: 'OneHotEncoder',
        domain: 'ai.onnx.ml',
        inputs: [x],
        outputs: [`onehot3_${i}`],
        attributes: { cats_strings: { kind: 'strings', value: spec.categories }, zeros: { kind: 'int', value: 1 } },
      });
      nodes.push({ opType: 'Squeeze', inputs: [`onehot3_${i}`, 'axes_1'], outputs: [`onehot_${i}`] });
      encoded.push(`onehot_${i}`);
    }
  });
  nodes.push({
    opType: 'Concat',
    inputs: encoded,
    outputs: ['features'],
    attributes: { axis: { kind: 'int', value: 1 } },
  });
  let current = 'features';
  info.layers.forEach((layer, li) => {
    constant(`w_${li}`, Array.from(layer.w), [layer.inputs, layer.outputs]);
    constant(`b_${li}`, Array.from(layer.b), [layer.outputs]);
    nodes.push({ opType: 'MatMul', inputs: [current, `w_${li}`], outputs: [`mm_${li}`] });
    const last = li === info.layers.length - 1;
    nodes.push({ opType: 'Add', inputs: [`mm_${li}`, `b_${li}`], outputs: [last ? 'logits' : `pre_${li}`] });
    if (!last) nodes.push({ opType: 'Relu', inputs: [`pre_${li}`], outputs: [`h_${li}`] });
    current = `h_${li}`;
  });
  nodes.push({
    opType: 'Softmax',
    inputs: ['logits'],
    outputs: ['probabilities'],
    attributes: { axis: { kind: 'int', value: 1 } },
  });
  const numericClasses = info.classes.every((c) => /^-?\d+$/.test(c));
  const argmax = numericClasses && info.classes[0] === '0' && info.classes[1] === '1' ? 'label' : 'class_index';
  nodes.push({
    opType: 'ArgMax',
    inputs: ['probabilities'],
    outputs: [argmax],
    attributes: { axis: { kind: 'int', value: 1 }, keepdims: { kind: 'int', value: 0 } },
  });
  let labelType: typeof OnnxType.INT64 | typeof OnnxType.STRING = OnnxType.INT64;
  if (argmax !== 'label') {
    // Class values that are not 0/1: map the index to the value, as other exporters do.
    const attributes: Record<string, AttributeValue> = { keys_int64s: { kind: 'ints', value: [0, 1] } };
    if (numericClasses) attributes.values_int64s = { kind: 'ints', value: info.classes.map(Number) };
    else attributes.values_strings = { kind: 'strings', value: info.classes };
    nodes.push({
      opType: 'LabelEncoder',
      domain: 'ai.onnx.ml',
      inputs: ['class_index'],
      outputs: ['label'],
      attributes,
    });
    labelType = numericClasses ? OnnxType.INT64 : OnnxType.STRING;
  }
  return {
    graphName: 'mlops_builtin',
    nodes,
    initializers,
    inputs,
    outputs: [
      { name: 'label', type: labelType, shape: ['N'] },
      { name: 'probabilities', type: OnnxType.FLOAT, shape: ['N', 2] },
    ],
    opsets: { '': 17, 'ai.onnx.ml': 3 },
    metadata: {
      'mlops.features': JSON.stringify(info.specs.map((s) => ({ name: s.name, kind: s.kind }))),
      'mlops.classes': JSON.stringify(info.classes),
      'mlops.label': info.label,
      ...info.metadata,
    },
    docString: 'Built-in temporal-mlops model: preprocessing and MLP in one graph.',
  };
}

/** The ONNX bytes of the model. */
export function exportOnnx(info: ExportInfo): Uint8Array {
  return encodeModel(buildOnnxModel(info));
}
