/**
 * The built-in trainer as a command under the trainer contract: reads the datasets, trains the MLP (or
 * logistic regression), checkpoints every N steps and on SIGTERM, and writes model.onnx and metrics.json.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table } from 'apache-arrow';
import { ErrorType } from '../../workflows/contracts';
import { openDataset } from '../data/read';
import { DomainError } from '../errors';
import { deserializeState, serializeState } from './checkpoint';
import { EXIT_PREEMPTED, TrainerEnv } from './contract';
import type { TrainerEvent } from './contract';
import { exportOnnx } from './export';
import { encodedWidth, encodeFeatures, encodeLabels, fitFeatures } from './features';
import type { FeatureSpec } from './features';
import { defaultMlpConfig, initMlp, logLoss, predictProba, trainSteps } from './mlp';
import type { Dataset, MlpConfig, MlpState } from './mlp';

/** Parameters the built-in trainer accepts in MLOPS_PARAMS. */
export interface BuiltinParams extends Partial<MlpConfig> {
  /** Steps between periodic checkpoints (default 50). */
  checkpointEvery?: number;
}

/** Reads a whole dataset into one Arrow table. */
export async function readTable(path: string): Promise<Table> {
  const stream = await openDataset(path);
  const batches = [];
  for await (const { batch } of stream.batches) batches.push(batch);
  await stream.sha256();
  return new Table(batches);
}

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new DomainError(ErrorType.InvalidInput, `trainer needs ${name} in its environment`);
  return value;
}

/** Parses MLOPS_PARAMS for the given model kind, rejecting unknown keys and bad values. */
export function parseBuiltinParams(
  model: 'mlp' | 'logreg',
  raw: string | undefined,
  seed: number,
): { config: MlpConfig; checkpointEvery: number } {
  let params: BuiltinParams = {};
  if (raw?.trim()) {
    try {
      params = JSON.parse(raw) as BuiltinParams;
    } catch (err) {
      throw new DomainError(ErrorType.InvalidInput, `MLOPS_PARAMS is not valid JSON: ${(err as Error).message}`);
    }
  }
  const known = new Set([...Object.keys(defaultMlpConfig), 'checkpointEvery']);
  for (const key of Object.keys(params)) {
    if (!known.has(key)) throw new DomainError(ErrorType.InvalidInput, `MLOPS_PARAMS: unknown parameter '${key}'`);
  }
  const config: MlpConfig = {
    ...defaultMlpConfig,
    seed,
    ...params,
    hidden: model === 'logreg' ? [] : (params.hidden ?? defaultMlpConfig.hidden),
  };
  const positive = ['learningRate', 'batchSize', 'maxEpochs'] as const;
  for (const key of positive) {
    if (!(typeof config[key] === 'number' && config[key] > 0))
      throw new DomainError(ErrorType.InvalidInput, `MLOPS_PARAMS: ${key} must be > 0`);
  }
  if (
    !Array.isArray(config.hidden) ||
    config.hidden.length > 3 ||
    config.hidden.some((h) => !Number.isInteger(h) || h < 1)
  ) {
    throw new DomainError(ErrorType.InvalidInput, 'MLOPS_PARAMS: hidden must be 0 to 3 positive layer widths');
  }
  const checkpointEvery = params.checkpointEvery ?? 50;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new DomainError(ErrorType.InvalidInput, 'MLOPS_PARAMS: checkpointEvery must be a positive integer');
  }
  return { config, checkpointEvery };
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/** Binary-classification metrics of predicted probabilities. */
function metricsOf(p: Float64Array, labels: Uint8Array): Record<string, number> {
  let correct = 0;
  for (let i = 0; i < p.length; i++) if ((p[i] > 0.5 ? 1 : 0) === labels[i]) correct++;
  return { accuracy: correct / Math.max(1, p.length) };
}

/** Options of `runBuiltinTrainer`. */
export interface BuiltinTrainerOptions {
  model: 'mlp' | 'logreg';
  env: NodeJS.ProcessEnv;
  emit: (event: TrainerEvent | Record<string, unknown>) => void;
  /** Resolves true when a preemption notice (SIGTERM) arrived; checked between steps. */
  preempted: () => boolean;
}

/** Trains to the end; returns the exit code (0, or EXIT_PREEMPTED after a checkpoint on SIGTERM). */
export async function runBuiltinTrainer(options: BuiltinTrainerOptions): Promise<number> {
  const { env, emit } = options;
  const outputDir = requireEnv(env, TrainerEnv.outputDir);
  const checkpointDir = requireEnv(env, TrainerEnv.checkpointDir);
  const label = requireEnv(env, TrainerEnv.label);
  const seed = Number(env[TrainerEnv.seed] ?? '1');
  if (!Number.isInteger(seed)) throw new DomainError(ErrorType.InvalidInput, `${TrainerEnv.seed} must be an integer`);
  const { config, checkpointEvery } = parseBuiltinParams(options.model, env[TrainerEnv.params], seed);
  const [trainTable, validTable] = await Promise.all([
    readTable(requireEnv(env, TrainerEnv.trainData)),
    readTable(requireEnv(env, TrainerEnv.validData)),
  ]);
  await mkdir(outputDir, { recursive: true });
  await mkdir(checkpointDir, { recursive: true });
  const specs: FeatureSpec[] = fitFeatures(trainTable, label);
  const { classes, labels } = encodeLabels(trainTable, label);
  const toDataset = (table: Table, y: Uint8Array): Dataset => ({ ...encodeFeatures(table, specs), labels: y });
  const train = toDataset(trainTable, labels);
  const validLabels = encodeLabels(validTable, label);
  if (validLabels.classes.join() !== classes.join()) {
    throw new DomainError(
      ErrorType.InvalidInput,
      `validation labels ${validLabels.classes} differ from training labels ${classes}`,
    );
  }
  const valid = toDataset(validTable, validLabels.labels);

  const resumeFrom = env[TrainerEnv.resumeFrom]?.trim();
  const state: MlpState = resumeFrom
    ? deserializeState(await readFile(resumeFrom, 'utf8'))
    : initMlp(config, encodedWidth(specs));
  if (resumeFrom) {
    // Continuing with a larger epoch budget (successive halving): a run that stopped on its budget, not on
    // patience, trains on.
    if (config.maxEpochs > state.config.maxEpochs) {
      state.config = { ...state.config, maxEpochs: config.maxEpochs };
      if (state.done && state.staleEpochs < state.config.patience) state.done = false;
    }
    emit({ type: 'progress', step: state.step, epoch: state.epoch, resumed: true });
  }
  const checkpoint = async (reason: 'interval' | 'sigterm') => {
    const path = join(checkpointDir, `step-${String(state.step).padStart(8, '0')}.json`);
    await writeAtomic(path, serializeState(state));
    emit({ type: 'checkpoint', step: state.step, path, reason });
  };
  let sinceCheckpoint = 0;
  while (!state.done) {
    if (options.preempted()) {
      await checkpoint('sigterm');
      return EXIT_PREEMPTED;
    }
    const before = state.step;
    const report = trainSteps(state, train, valid, Math.min(10, checkpointEvery - sinceCheckpoint));
    sinceCheckpoint += state.step - before;
    emit({
      type: 'progress',
      step: report.step,
      epoch: report.epoch,
      loss: report.loss,
      validLoss: report.validLoss,
      fraction: state.epoch / config.maxEpochs,
    });
    if (sinceCheckpoint >= checkpointEvery && !state.done) {
      await checkpoint('interval');
      sinceCheckpoint = 0;
    }
    await new Promise((resolve) => setImmediate(resolve)); // let signals arrive between steps
  }
  const finalCheckpoint = join(checkpointDir, 'final.json');
  await writeAtomic(finalCheckpoint, serializeState(state));
  const modelPath = join(outputDir, 'model.onnx');
  const metricsPath = join(outputDir, 'metrics.json');
  await writeAtomic(
    modelPath,
    exportOnnx({
      specs,
      layers: state.bestLayers,
      classes,
      label,
      metadata: { 'mlops.trainer': `builtin:${options.model}`, 'mlops.params': JSON.stringify(config) },
    }),
  );
  const metrics = {
    validLoss: logLoss(state.bestLayers, valid),
    ...metricsOf(predictProba(state.bestLayers, valid.matrix, valid.rows), valid.labels),
    steps: state.step,
    epochs: state.epoch,
    bestEpoch: state.bestEpoch,
  };
  await writeAtomic(metricsPath, JSON.stringify(metrics, null, 2));
  emit({ type: 'done', step: state.step, modelPath, metricsPath, checkpoint: finalCheckpoint });
  return 0;
}
