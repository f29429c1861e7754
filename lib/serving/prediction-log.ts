/**
 * The prediction log and delayed feedback: features and predictions of every answered row, appended as Arrow IPC
 * segments per model version and time window under `<home>/predictions/<model>/<version>/`, and labels that
 * arrive later, by request id, under `<home>/feedback/<model>/`. Drift and accuracy monitoring read them back.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Predictions } from './predictions';
import { SegmentWriter } from './segments';
import type { SegmentBuffer, SegmentField } from './segments';
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

/** Where the columns of a prediction segment start: the meta columns, then the features in the version's order. */
const FIRST_FEATURE = PREDICTION_META_COLUMNS.length;

/** Appends answered rows and feedback to windowed segments; `close` writes what is buffered. */
export class PredictionLog {
  private readonly writer: SegmentWriter;
  private readonly now: () => number;
  private readonly dirs = new WeakMap<ServedVersion, string>();
  /** Per open segment, the positions of the prediction columns (see `appendPredictions`). */
  private readonly predictionPositions = new WeakMap<SegmentBuffer, Int32Array>();

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
    // Positional: the fields are the meta columns, the version's features, then its prediction columns. The rows are
    // staged row-major (see SegmentBuffer): no chunk arrays per request, and a few cache lines instead of a column
    // apiece.
    const first = buffer.stageRows(rows);
    const numbers = buffer.numbers;
    const texts = buffer.texts;
    const nw = buffer.numberWidth;
    const tw = buffer.textWidth;
    const numberSlot = buffer.numberSlot;
    const textSlot = buffer.textSlot;
    const now = this.now();
    for (let r = 0; r < rows; r++) {
      texts[(first + r) * tw + textSlot[0]] = input.requestId;
      const at = (first + r) * nw;
      numbers[at + numberSlot[1]] = r;
      numbers[at + numberSlot[2]] = now;
      numbers[at + numberSlot[3]] = version.version;
    }
    const features = version.features;
    for (let i = 0; i < features.length; i++) {
      const chunk = input.features.get(features[i].name);
      if (chunk === undefined || chunk.length !== rows) continue;
      const f = FIRST_FEATURE + i;
      if (numberSlot[f] >= 0) {
        const slot = numberSlot[f];
        for (let r = 0; r < rows; r++) numbers[(first + r) * nw + slot] = Number(chunk[r]);
      } else {
        // A text column writes what it is given as text (see TextColumn.push).
        const slot = textSlot[f];
        for (let r = 0; r < rows; r++) texts[(first + r) * tw + slot] = chunk[r] as string;
      }
    }
    if (predictions) this.stagePredictions(buffer, first, FIRST_FEATURE + features.length, predictions);
  }

  /** Writes a request's predictions into its staged rows, at their columns (found once per segment). */
  private stagePredictions(buffer: SegmentBuffer, first: number, firstColumn: number, p: Predictions): void {
    let at = this.predictionPositions.get(buffer);
    if (!at) {
      // Where each of this kind of predictions' columns lies, or -1 (a segment opened by other predictions).
      at = Int32Array.from(predictionFields(p), (f) => {
        const position = buffer.indexOf(f.name);
        return position >= firstColumn ? position : -1;
      });
      this.predictionPositions.set(buffer, at);
    }
    const rows = p.rows;
    const numbers = buffer.numbers;
    const nw = buffer.numberWidth;
    const numberSlot = buffer.numberSlot;
    if (p.kind === 'values') {
      for (let j = 0; j < p.width && j < at.length; j++) {
        if (at[j] < 0) continue;
        const slot = numberSlot[at[j]];
        for (let r = 0; r < rows; r++) numbers[(first + r) * nw + slot] = p.values[r * p.width + j];
      }
      return;
    }
    if (at[0] >= 0 && p.labels.length === rows) {
      const slot = buffer.textSlot[at[0]];
      for (let r = 0; r < rows; r++) buffer.texts[(first + r) * buffer.textWidth + slot] = p.labels[r];
    }
    const probs = p.probabilities;
    if (!probs) return;
    const k = p.classes.length;
    for (let j = 0; j < k && j + 1 < at.length; j++) {
      if (at[j + 1] < 0) continue;
      const slot = numberSlot[at[j + 1]];
      for (let r = 0; r < rows; r++) numbers[(first + r) * nw + slot] = probs[r * k + j];
    }
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
