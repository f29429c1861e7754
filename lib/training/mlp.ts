/**
 * The built-in model: a multilayer perceptron (0–3 hidden ReLU layers; 0 is logistic regression) with a
 * two-logit softmax output, trained with Adam on mini-batches and early stopping on validation loss.
 * Everything is seeded and the whole state is a plain object, so a resumed run ends with the same weights.
 */
import { normalFrom, seededRandom } from '../data/random';

/** Hyperparameters of the built-in trainer. */
export interface MlpConfig {
  /** Hidden layer widths; [] trains logistic regression. */
  hidden: number[];
  learningRate: number;
  batchSize: number;
  /** Most epochs; early stopping may end sooner. */
  maxEpochs: number;
  /** Epochs without validation improvement before stopping. */
  patience: number;
  /** L2 penalty on weights (not biases). */
  l2: number;
  seed: number;
}

/** Defaults: a small MLP that trains in seconds on tabular data. */
export const defaultMlpConfig: MlpConfig = {
  hidden: [32, 16],
  learningRate: 0.003,
  batchSize: 256,
  maxEpochs: 30,
  patience: 3,
  l2: 1e-5,
  seed: 1,
};

/** One dense layer: weights row-major [inputs × outputs] and biases. */
export interface Layer {
  inputs: number;
  outputs: number;
  w: Float64Array;
  b: Float64Array;
}

/** The complete training state: enough to continue exactly where a checkpoint was taken. */
export interface MlpState {
  config: MlpConfig;
  width: number;
  layers: Layer[];
  /** Adam first and second moments, per layer: [w, b]. */
  m: Float64Array[];
  v: Float64Array[];
  step: number;
  epoch: number;
  /** Next batch within the epoch. */
  batch: number;
  bestLoss: number;
  bestEpoch: number;
  bestLayers: Layer[];
  staleEpochs: number;
  done: boolean;
}

/** A dense training set: row-major features and 0/1 labels. */
export interface Dataset {
  matrix: Float64Array;
  labels: Uint8Array;
  rows: number;
}

const copyLayers = (layers: Layer[]): Layer[] => layers.map((l) => ({ ...l, w: l.w.slice(), b: l.b.slice() }));

/** Fresh state with He-initialised weights from the seed. */
export function initMlp(config: MlpConfig, width: number): MlpState {
  if (config.hidden.length > 3) throw new RangeError('at most 3 hidden layers');
  const normal = normalFrom(seededRandom(config.seed));
  const sizes = [width, ...config.hidden, 2];
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [inputs, outputs] = [sizes[i], sizes[i + 1]];
    const scale = Math.sqrt(2 / Math.max(1, inputs));
    layers.push({
      inputs,
      outputs,
      w: Float64Array.from({ length: inputs * outputs }, () => normal() * scale),
      b: new Float64Array(outputs),
    });
  }
  const zeros = () => layers.flatMap((l) => [new Float64Array(l.w.length), new Float64Array(l.b.length)]);
  return {
    config,
    width,
    layers,
    m: zeros(),
    v: zeros(),
    step: 0,
    epoch: 0,
    batch: 0,
    bestLoss: Infinity,
    bestEpoch: -1,
    bestLayers: copyLayers(layers),
    staleEpochs: 0,
    done: false,
  };
}

/** Activations of every layer for `rows` rows of `x` (post-ReLU for hidden layers, logits last). */
function forwardAll(layers: Layer[], x: Float64Array, rows: number): Float64Array[] {
  const acts: Float64Array[] = [x];
  let input = x;
  layers.forEach((layer, li) => {
    const out = new Float64Array(rows * layer.outputs);
    const { inputs, outputs, w, b } = layer;
    for (let r = 0; r < rows; r++) {
      const o = r * outputs;
      for (let j = 0; j < outputs; j++) out[o + j] = b[j];
      const base = r * inputs;
      for (let k = 0; k < inputs; k++) {
        const xv = input[base + k];
        if (xv === 0) continue;
        const wk = k * outputs;
        for (let j = 0; j < outputs; j++) out[o + j] += xv * w[wk + j];
      }
      if (li < layers.length - 1) for (let j = 0; j < outputs; j++) if (out[o + j] < 0) out[o + j] = 0;
    }
    acts.push(out);
    input = out;
  });
  return acts;
}

/** Probability of class 1 for each row: softmax over the two logits. */
export function predictProba(layers: Layer[], x: Float64Array, rows: number): Float64Array {
  const logits = forwardAll(layers, x, rows).at(-1)!;
  const p = new Float64Array(rows);
  for (let r = 0; r < rows; r++) p[r] = 1 / (1 + Math.exp(logits[2 * r] - logits[2 * r + 1]));
  return p;
}

/** Mean binary cross-entropy of the model on a dataset. */
export function logLoss(layers: Layer[], data: Dataset): number {
  const p = predictProba(layers, data.matrix, data.rows);
  let loss = 0;
  for (let r = 0; r < data.rows; r++) {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p[r]));
    loss -= data.labels[r] ? Math.log(q) : Math.log(1 - q);
  }
  return loss / Math.max(1, data.rows);
}

/** The row order of an epoch: a seeded shuffle, so a resumed epoch sees the same batches. */
export function epochOrder(seed: number, epoch: number, rows: number): Uint32Array {
  const random = seededRandom((seed * 2654435761 + epoch * 40503 + 1) >>> 0);
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** One Adam step on the rows `indices`; returns the batch's mean loss. */
function trainBatch(state: MlpState, data: Dataset, indices: Uint32Array): number {
  const { layers, config, width } = state;
  const rows = indices.length;
  const x = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) x.set(data.matrix.subarray(indices[r] * width, (indices[r] + 1) * width), r * width);
  const acts = forwardAll(layers, x, rows);
  const logits = acts.at(-1)!;
  // Gradient of mean softmax cross-entropy with respect to the logits.
  let delta = new Float64Array(rows * 2);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const p1 = 1 / (1 + Math.exp(logits[2 * r] - logits[2 * r + 1]));
    const y = data.labels[indices[r]];
    loss -= y ? Math.log(Math.max(p1, 1e-12)) : Math.log(Math.max(1 - p1, 1e-12));
    delta[2 * r] = (1 - p1 - (1 - y)) / rows;
    delta[2 * r + 1] = (p1 - y) / rows;
  }
  state.step++;
  const { learningRate: lr } = config;
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const c1 = 1 - beta1 ** state.step;
  const c2 = 1 - beta2 ** state.step;
  for (let li = layers.length - 1; li >= 0; li--) {
    const { inputs, outputs, w, b } = layers[li];
    const input = acts[li];
    const gw = new Float64Array(w.length);
    const gb = new Float64Array(outputs);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < outputs; j++) {
        const d = delta[r * outputs + j];
        if (d === 0) continue;
        gb[j] += d;
        for (let k = 0; k < inputs; k++) gw[k * outputs + j] += input[r * inputs + k] * d;
      }
    }
    if (li > 0) {
      const next = new Float64Array(rows * inputs);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < inputs; k++) {
          if (input[r * inputs + k] <= 0) continue; // ReLU gradient
          let s = 0;
          for (let j = 0; j < outputs; j++) s += w[k * outputs + j] * delta[r * outputs + j];
          next[r * inputs + k] = s;
        }
      }
      delta = next;
    }
    for (let i = 0; i < w.length; i++) gw[i] += config.l2 * w[i];
    adam(w, gw, state.m[2 * li], state.v[2 * li], lr, beta1, beta2, eps, c1, c2);
    adam(b, gb, state.m[2 * li + 1], state.v[2 * li + 1], lr, beta1, beta2, eps, c1, c2);
  }
  return loss / rows;
}

function adam(
  p: Float64Array,
  g: Float64Array,
  m: Float64Array,
  v: Float64Array,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  c1: number,
  c2: number,
): void {
  for (let i = 0; i < p.length; i++) {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
}

/** What one call of `trainSteps` did. */
export interface StepReport {
  step: number;
  epoch: number;
  loss: number;
  /** Validation loss when an epoch ended in this call. */
  validLoss?: number;
}

/**
 * Trains up to `maxSteps` mini-batch steps (or to the end) and returns after each epoch boundary or when
 * the budget is spent, so the caller can report progress and checkpoint between calls.
 */
export function trainSteps(state: MlpState, train: Dataset, valid: Dataset, maxSteps: number): StepReport {
  const { batchSize, seed, maxEpochs, patience } = state.config;
  const batches = Math.max(1, Math.ceil(train.rows / batchSize));
  let loss = NaN;
  let steps = 0;
  while (!state.done && steps < maxSteps) {
    const order = epochOrder(seed, state.epoch, train.rows);
    while (state.batch < batches && steps < maxSteps) {
      loss = trainBatch(
        state,
        train,
        order.subarray(state.batch * batchSize, Math.min(train.rows, (state.batch + 1) * batchSize)),
      );
      state.batch++;
      steps++;
    }
    if (state.batch < batches) break;
    // End of an epoch: early stopping on validation loss.
    const validLoss = logLoss(state.layers, valid);
    if (validLoss < state.bestLoss - 1e-7) {
      state.bestLoss = validLoss;
      state.bestEpoch = state.epoch;
      state.bestLayers = copyLayers(state.layers);
      state.staleEpochs = 0;
    } else state.staleEpochs++;
    state.epoch++;
    state.batch = 0;
    if (state.staleEpochs >= patience || state.epoch >= maxEpochs) state.done = true;
    return { step: state.step, epoch: state.epoch, loss, validLoss };
  }
  return { step: state.step, epoch: state.epoch, loss };
}
