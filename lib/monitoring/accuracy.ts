/** Accuracy from delayed labels: feedback joined to the prediction log by request id and row. */
import type { Table } from 'apache-arrow';

/** What the join found. */
export interface FeedbackAccuracy {
  /** Logged rows that a label arrived for. */
  labelled: number;
  /** Share of labelled rows whose `prediction.label` equals the label; absent without labels or for regressors. */
  accuracy?: number;
}

function texts(table: Table, name: string): (string | null)[] | undefined {
  const vector = table.getChild(name);
  return vector ? (vector.toArray() as (string | null)[]) : undefined;
}

function integers(table: Table, name: string): ArrayLike<number> | undefined {
  const vector = table.getChild(name);
  return vector ? (vector.toArray() as ArrayLike<number>) : undefined;
}

/**
 * Joins labels to predictions on (request_id, row) and scores classifiers. A row labelled twice counts its last
 * label. Regressors (no `prediction.label`) get a count of labelled rows and no accuracy.
 */
export function accuracyFromFeedback(predictions: Table, feedback: Table): FeedbackAccuracy {
  const feedbackIds = texts(feedback, 'request_id');
  const feedbackLabels = texts(feedback, 'label');
  if (!feedbackIds || !feedbackLabels || feedback.numRows === 0) return { labelled: 0 };
  const feedbackRows = integers(feedback, 'row');
  const labels = new Map<string, string | null>();
  for (let i = 0; i < feedbackIds.length; i++) {
    labels.set(`${feedbackIds[i]}\u0000${feedbackRows?.[i] ?? 0}`, feedbackLabels[i]);
  }
  const ids = texts(predictions, 'request_id');
  const rows = integers(predictions, 'row');
  if (!ids) return { labelled: 0 };
  const predicted = texts(predictions, 'prediction.label');
  let labelled = 0;
  let correct = 0;
  for (let i = 0; i < ids.length; i++) {
    const key = `${ids[i]}\u0000${rows?.[i] ?? 0}`;
    if (!labels.has(key)) continue;
    labelled++;
    if (predicted && predicted[i] !== null && predicted[i] === labels.get(key)) correct++;
  }
  if (!predicted || labelled === 0) return { labelled };
  return { labelled, accuracy: correct / labelled };
}
