import * as ort from 'onnxruntime-node';
import type { Table } from 'apache-arrow';
import { categoricalValues, numericValues } from '../../lib/data/columns';
import { generateTable } from '../../lib/data/generate';
import { deserializeState, sameLayers, serializeState } from '../../lib/training/checkpoint';
import { exportOnnx } from '../../lib/training/export';
import { encodeFeatures, encodeLabels, fitFeatures } from '../../lib/training/features';
import type { FeatureSpec } from '../../lib/training/features';
import { defaultMlpConfig, initMlp, logLoss, predictProba, trainSteps } from '../../lib/training/mlp';
import type { Dataset, MlpConfig, MlpState } from '../../lib/training/mlp';

const train = generateTable({ rows: 4000, seed: 11 });
const valid = generateTable({ rows: 1000, seed: 12 });
const specs = fitFeatures(train, 'label');

function dataset(table: Table): Dataset {
  const { matrix, rows } = encodeFeatures(table, specs);
  return { matrix, rows, labels: encodeLabels(table, 'label').labels };
}
const trainSet = dataset(train);
const validSet = dataset(valid);

function trainToEnd(config: MlpConfig, chunk = Infinity, roundTrip = false): MlpState {
  let state = initMlp(config, trainSet.matrix.length / trainSet.rows);
  while (!state.done) {
    trainSteps(state, trainSet, validSet, chunk);
    if (roundTrip) state = deserializeState(serializeState(state));
  }
  return state;
}

/** Raw feature tensors the way a serving client sends them: [N, 1] floats (NaN missing) or strings. */
function feeds(table: Table, features: FeatureSpec[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const spec of features) {
    const vector = table.getChild(spec.name)!;
    if (spec.kind === 'numeric')
      out[spec.name] = new ort.Tensor('float32', Float32Array.from(numericValues(vector)), [table.numRows, 1]);
    else {
      const { codes, dictionary } = categoricalValues(vector);
      out[spec.name] = new ort.Tensor(
        'string',
        Array.from(codes, (c) => (c < 0 ? '' : dictionary[c])),
        [table.numRows, 1],
      );
    }
  }
  return out;
}

describe('built-in trainer', () => {
  const config: MlpConfig = { ...defaultMlpConfig, hidden: [16, 8], maxEpochs: 6, batchSize: 128 };

  it('learns: validation loss falls well below the untrained model and the base rate', () => {
    const untrained = logLoss(initMlp(config, trainSet.matrix.length / trainSet.rows).layers, validSet);
    const state = trainToEnd(config);
    const trained = logLoss(state.bestLayers, validSet);
    const rate = validSet.labels.reduce((a, b) => a + b, 0) / validSet.rows;
    const baseRate = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
    expect(trained).toBeLessThan(untrained);
    expect(trained).toBeLessThan(baseRate * 0.9);
  });

  it('resumes exactly: checkpointing every 7 steps ends with the same weights as one run', () => {
    const whole = trainToEnd(config);
    const resumed = trainToEnd(config, 7, true);
    expect(resumed.step).toBe(whole.step);
    expect(sameLayers(resumed.bestLayers, whole.bestLayers)).toBe(true);
    const other = trainToEnd({ ...config, seed: 2 });
    expect(sameLayers(other.bestLayers, whole.bestLayers)).toBe(false);
  });

  it.each([
    ['an MLP', [16, 8]],
    ['logistic regression', []],
  ])('exports %s to ONNX that scores like its own forward pass (1e-5)', async (_name, hidden) => {
    const state = trainToEnd({ ...config, hidden: hidden as number[], maxEpochs: 3 });
    const bytes = exportOnnx({ specs, layers: state.bestLayers, classes: ['0', '1'], label: 'label' });
    const session = await ort.InferenceSession.create(Buffer.from(bytes));
    expect([...session.inputNames].sort()).toEqual(specs.map((s) => s.name).sort());
    const result = await session.run(feeds(valid, specs));
    const probabilities = result.probabilities.data as Float32Array;
    const expected = predictProba(state.bestLayers, validSet.matrix, validSet.rows);
    let maxDiff = 0;
    for (let r = 0; r < valid.numRows; r++)
      maxDiff = Math.max(maxDiff, Math.abs(probabilities[2 * r + 1] - expected[r]));
    expect(maxDiff).toBeLessThan(1e-5);
    const labels = result.label.data as BigInt64Array;
    for (let r = 0; r < valid.numRows; r++) expect(labels[r]).toBe(expected[r] > 0.5 ? 1n : 0n);
  });
});
