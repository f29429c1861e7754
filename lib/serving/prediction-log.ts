/**
 * The prediction log and delayed feedback: features and predictions of every answered row, appended as Arrow IPC
 * segments per model version and time window under `<home>/predictions/<model>/<version>/`, and labels that
 * arrive later, by request id, under `<home>/feedback/<model>/`. Drift and accuracy monitoring read them back.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Predictions } from './predictions';
import { SegmentWriter } from './segments';
import type { ColumnChunk, SegmentField } from './segments';
import type { ServedVersion } from './served-version';
import type { FeatureColumns } from './tensors';

/** Columns every prediction row has, besides features and predictions. */
export const PREDICTION_META_COLUMNS = ['request_id', 'row', 'timestamp', 'model_version'] as const;

/** Folder of a model version's prediction segments. */
export function predictionDir(home: string, model: string, version?: number): string {
  return version === undefined ? join(home, 'predictions', model) : join(home, 'predictions', model, String(version));
}

/** Folder of a model's feedback segments. */
export function feedbackDir(home: string, model: string): string {
  return join(home, 'feedback', model);
}

/** One delayed label: the request (and row within it) it belongs to, and the true label or value. */
export interface FeedbackRecord {
  requestId: string;
  row: number;
  label: string | number | boolean;
}

/** The column a feature is logged in: its own name, unless that is a reserved column. */
function featureColumn(name: string): string {
  return (PREDICTION_META_COLUMNS as readonly string[]).includes(name) || name.startsWith('prediction.')
    ? `feature.${name}`
    : name;
}

/** Prediction columns of a version: label and per-class probabilities, or value(s). */
function predictionFields(p: Predictions): SegmentField[] {
  if (p.kind === 'values') {
    if (p.width === 1) return [{ name: 'prediction.value', kind: 'float64' }];
    return Array.from({ length: p.width }, (_, j) => ({ name: `prediction.value.${j}`, kind: 'float64' as const }));
  }
  const fields: SegmentField[] = [{ name: 'prediction.label', kind: 'utf8' }];
  if (p.probabilities) for (const c of p.classes) fields.push({ name: `prediction.probability.${c}`, kind: 'float64' });
  return fields;
}

/** Prediction columns of one request, by segment column name. */
function predictionColumns(p: Predictions): [string, ColumnChunk][] {
  if (p.kind === 'values') {
    if (p.width === 1) return [['prediction.value', p.values]];
    return Array.from({ length: p.width }, (_, j): [string, ColumnChunk] => [
      `prediction.value.${j}`,
      Float64Array.from({ length: p.rows }, (_, r) => p.values[r * p.width + j]),
    ]);
  }
  const out: [string, ColumnChunk][] = [['prediction.label', p.labels]];
  const k = p.classes.length;
  if (p.probabilities) {
    const probs = p.probabilities;
    for (let j = 0; j < k; j++) {
      const column = new Float64Array(p.rows);
      for (let r = 0; r < p.rows; r++) column[r] = probs[r * k + j];
      out.push([`prediction.probability.${p.classes[j]}`, column]);
    }
  }
  return out;
}

/** Where the columns of a prediction segment start: the meta columns, then the features in the version's order. */
const FIRST_FEATURE = PREDICTION_META_COLUMNS.length;

/** Appends answered rows and feedback to windowed segments; `close` writes what is buffered. */
export class PredictionLog {
  private readonly writer: SegmentWriter;
  private readonly now: () => number;
  private readonly dirs = new WeakMap<ServedVersion, string>();

  constructor(
    private readonly home: string,
    options: { windowMs: number; replica: string; logger: Logger; now?: () => number },
  ) {
    this.writer = new SegmentWriter(options);
    this.now = options.now ?? Date.now;
  }

  /** Appends the rows of one answered request. */
  append(input: {
    version: ServedVersion;
    requestId: string;
    rows: number;
    features: FeatureColumns;
    predictions?: Predictions;
  }): void {
    const { version, rows, predictions } = input;
    let dir = this.dirs.get(version);
    if (dir === undefined) this.dirs.set(version, (dir = predictionDir(this.home, version.model, version.version)));
    const buffer = this.writer.buffer(dir, () => ({
      fields: [
        { name: 'request_id', kind: 'utf8' },
        { name: 'row', kind: 'int32' },
        { name: 'timestamp', kind: 'timestamp' },
        { name: 'model_version', kind: 'int32' },
        ...version.features.map((f): SegmentField => ({
          name: featureColumn(f.name),
          kind: f.numeric ? 'float64' : 'utf8',
        })),
        ...(predictions ? predictionFields(predictions) : []),
      ],
      metadata: {
        'mlops.model': version.model,
        'mlops.version': String(version.version),
        'mlops.sha256': version.sha256,
        'mlops.features': JSON.stringify(version.features.map((f) => featureColumn(f.name))),
        'mlops.task': version.plan?.task ?? 'unknown',
      },
    }));
    // Positional: the fields are the meta columns, the version's features, then its prediction columns.
    const chunks = new Array<ColumnChunk | undefined>(buffer.fields.length);
    chunks[0] = new Array<string>(rows).fill(input.requestId);
    const rowIndex = new Int32Array(rows);
    for (let i = 0; i < rows; i++) rowIndex[i] = i;
    chunks[1] = rowIndex;
    chunks[2] = new Float64Array(rows).fill(this.now());
    chunks[3] = new Int32Array(rows).fill(version.version);
    const features = version.features;
    for (let i = 0; i < features.length; i++) chunks[FIRST_FEATURE + i] = input.features.get(features[i].name);
    if (predictions) {
      for (const [name, chunk] of predictionColumns(predictions)) {
        const at = buffer.indexOf(name);
        if (at >= FIRST_FEATURE + features.length) chunks[at] = chunk;
      }
    }
    buffer.appendChunks(rows, chunks);
  }

  /** Appends delayed labels of a model: text in `label`, and numbers also in `value`. */
  appendFeedback(model: string, records: FeedbackRecord[]): void {
    const buffer = this.writer.buffer(feedbackDir(this.home, model), () => ({
      fields: [
        { name: 'request_id', kind: 'utf8' },
        { name: 'row', kind: 'int32' },
        { name: 'timestamp', kind: 'timestamp' },
        { name: 'label', kind: 'utf8' },
        { name: 'value', kind: 'float64' },
      ],
      metadata: { 'mlops.model': model },
    }));
    buffer.append(records.length, {
      request_id: records.map((r) => r.requestId),
      row: Int32Array.from(records, (r) => r.row),
      timestamp: new Float64Array(records.length).fill(this.now()),
      label: records.map((r) => String(r.label)),
      value: Float64Array.from(records, (r) => (typeof r.label === 'number' ? r.label : NaN)),
    });
  }

  /** Starts writing windows as they close. */
  start(): void {
    this.writer.start();
  }

  /** Writes every closed window now (and every open one when `all`). */
  flush(all = false): Promise<void> {
    return this.writer.flush(all);
  }

  /** Writes everything buffered and stops. */
  close(): Promise<void> {
    return this.writer.close();
  }
}
