/**
 * Reading the prediction log and feedback back as one Arrow table: the segments of a model (one version or all),
 * rows at or after `since`. Segments whose window began over an hour (the longest window) before `since` are
 * skipped unopened; segments of versions with other columns are joined on the union of columns (nulls elsewhere).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Table, tableFromIPC, vectorFromArray } from 'apache-arrow';
import type { Field, Vector } from 'apache-arrow';
import { checkName } from '../registry/names';
import { feedbackDir, predictionDir } from './prediction-log';
import { windowStartOf } from './segments';
import { MAX_LOG_WINDOW_MS } from './settings';

/** What to read from the prediction log. */
export interface ReadPredictionLogInput {
  /** The state folder (MLOPS_HOME). */
  home: string;
  model: string;
  /** One version; every version of the model when left out. */
  version?: number;
  /** Rows at or after this time (epoch ms, Date or ISO 8601). */
  since?: number | Date | string;
}

/** What to read from the feedback. */
export type ReadFeedbackInput = Omit<ReadPredictionLogInput, 'version'>;

function sinceMs(since: ReadPredictionLogInput['since']): number {
  if (since === undefined) return -Infinity;
  const ms = since instanceof Date ? since.getTime() : typeof since === 'number' ? since : Date.parse(since);
  if (Number.isNaN(ms)) throw new Error(`since '${String(since)}' is not a time: use epoch milliseconds or ISO 8601`);
  return ms;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Rows of a table whose `timestamp` is at or after `since`, as slices of runs of kept rows. */
function rowsSince(table: Table, since: number): Table[] {
  const ts = table.getChild('timestamp');
  if (!ts || since === -Infinity) return [table];
  const runs: Table[] = [];
  let start = -1;
  for (let i = 0; i <= table.numRows; i++) {
    const keep = i < table.numRows && Number(ts.get(i)) >= since;
    if (keep && start < 0) start = i;
    if (!keep && start >= 0) {
      runs.push(table.slice(start, i));
      start = -1;
    }
  }
  return runs;
}

/** Joins tables on the union of their columns (first-seen order); a column a table lacks is null there. */
function concatTables(tables: Table[]): Table {
  const fields: Field[] = [];
  for (const t of tables) for (const f of t.schema.fields) if (!fields.some((g) => g.name === f.name)) fields.push(f);
  const same = tables.every(
    (t) => t.schema.fields.length === fields.length && t.schema.fields.every((f, i) => f.name === fields[i].name),
  );
  const aligned = same
    ? tables
    : tables.map((t) => {
        const vectors: Record<string, Vector> = {};
        for (const f of fields)
          vectors[f.name] = t.getChild(f.name) ?? vectorFromArray(new Array(t.numRows).fill(null), f.type);
        return new Table(vectors);
      });
  return (aligned as Table[]).reduce((a: Table, b: Table) => a.concat(b));
}

async function readSegments(dirs: string[], since: number): Promise<Table> {
  const tables: Table[] = [];
  for (const dir of dirs) {
    for (const file of await listDir(dir)) {
      const start = windowStartOf(file);
      if (Number.isNaN(start) || start + MAX_LOG_WINDOW_MS <= since) continue;
      const table = tableFromIPC(await readFile(join(dir, file)));
      tables.push(...rowsSince(table, since).filter((t) => t.numRows > 0));
    }
  }
  return tables.length === 0 ? new Table() : concatTables(tables);
}

/**
 * Reads a model's prediction log: columns `request_id`, `row`, `timestamp`, `model_version`, the features by name,
 * and `prediction.label` with `prediction.probability.<class>` (classifiers) or `prediction.value` (regressors).
 */
export async function readPredictionLog(input: ReadPredictionLogInput): Promise<Table> {
  const model = checkName('model name', input.model);
  let dirs: string[];
  if (input.version !== undefined) dirs = [predictionDir(input.home, model, input.version)];
  else {
    const versions = (await listDir(predictionDir(input.home, model))).filter((v) => /^\d+$/.test(v));
    dirs = versions.sort((a, b) => Number(a) - Number(b)).map((v) => join(predictionDir(input.home, model), v));
  }
  return readSegments(dirs, sinceMs(input.since));
}

/** Reads a model's feedback: columns `request_id`, `row`, `timestamp`, `label` (text) and `value` (numeric labels). */
export async function readFeedback(input: ReadFeedbackInput): Promise<Table> {
  return readSegments([feedbackDir(input.home, checkName('model name', input.model))], sinceMs(input.since));
}
