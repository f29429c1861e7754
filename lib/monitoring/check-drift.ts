/**
 * One drift check of a served model: the champion's recent traffic from the prediction log against the profile of
 * the data it was trained on, plus accuracy from delayed labels. Usable without Temporal (the activity wraps it).
 */
import { realpathSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CheckModelDriftInput, CheckModelDriftResult } from '../../workflows/lifecycle-contracts';
import { ErrorType } from '../../workflows/contracts';
import { loadProfile } from '../data/drift';
import { parseDriftPolicy } from '../data/drift-policy';
import { computeTableDrift } from '../data/drift-table';
import { resolveInside } from '../artifacts/paths';
import { DomainError, isDomainError } from '../errors';
import type { RegistryContext } from '../registry/register-model';
import { Alias } from '../registry/types';
import type { ModelVersion } from '../registry/types';
import { readFeedback, readPredictionLog } from '../serving/log-reader';
import { predictionDir } from '../serving/prediction-log';
import { accuracyFromFeedback } from './accuracy';

/** Prediction-log rows a window needs before it is judged, unless the input says otherwise. */
export const DEFAULT_MIN_ROWS = 200;

/** Where a check reads and writes: the registry and artifact store, and the state folder of the prediction log. */
export interface ModelDriftContext extends RegistryContext {
  home: string;
}

/** Options of `checkModelDrift`. */
export interface CheckModelDriftOptions {
  /** Called between the steps (read log, drift, feedback, report), e.g. to heartbeat. */
  onProgress?: (step: string) => void;
  /** The check's time (epoch ms) for the report; now by default. */
  now?: number;
}

/** ISO 8601 basic format (no colons), safe in file names on every system: `20250101T120000.123Z`. */
function basicIso(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

function validate(input: CheckModelDriftInput): number {
  if (typeof input.since !== 'number' || !Number.isFinite(input.since)) {
    throw new DomainError(ErrorType.InvalidInput, `since must be epoch milliseconds, got ${String(input.since)}`);
  }
  const minRows = input.minRows ?? DEFAULT_MIN_ROWS;
  if (!Number.isSafeInteger(minRows) || minRows < 1) {
    throw new DomainError(ErrorType.InvalidInput, `minRows must be a whole number of rows >= 1, got ${minRows}`);
  }
  return minRows;
}

async function championOf(ctx: ModelDriftContext, model: string): Promise<ModelVersion | undefined> {
  try {
    return await ctx.registry.getVersion(model, Alias.champion);
  } catch (err) {
    if (isDomainError(err) && err.type === ErrorType.NotFound) return undefined;
    throw err;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, JSON.stringify(value, null, 2));
  await rename(temporary, path);
}

/**
 * Checks the champion's traffic since `input.since`. Not judged (with a reason) when the model has no champion,
 * the champion has no training profile, or the window has fewer than `minRows` rows. The report's default path
 * is keyed by the window's start, so a retried check rewrites the same file.
 */
export async function checkModelDrift(
  ctx: ModelDriftContext,
  input: CheckModelDriftInput,
  options: CheckModelDriftOptions = {},
): Promise<CheckModelDriftResult> {
  const minRows = validate(input);
  const policy = parseDriftPolicy(
    input.drift && Object.fromEntries(Object.entries(input.drift).filter(([, v]) => v !== undefined)),
    'monitoring drift thresholds',
  );
  const notJudged = (reason: string, version?: number, rows = 0): CheckModelDriftResult => ({
    version,
    rows,
    judged: false,
    drifted: [],
    labelled: 0,
    reason,
  });
  const champion = await championOf(ctx, input.model);
  if (!champion) return notJudged(`${input.model} has no champion`);
  const { version } = champion;
  const profileRef = champion.lineage.profile;
  if (!profileRef) return notJudged(`${input.model}@${version} has no training profile in its lineage`, version);
  const profile = await loadProfile(await ctx.store.localPath(profileRef));
  const log = await readPredictionLog({ home: ctx.home, model: input.model, version, since: input.since });
  options.onProgress?.('read prediction log');
  if (log.numRows < minRows) {
    return notJudged(
      `not enough traffic: ${log.numRows} rows since the window began, ${minRows} needed`,
      version,
      log.numRows,
    );
  }
  const report = computeTableDrift({
    reference: { profile, path: profileRef.uri },
    current: { table: log, path: predictionDir(ctx.home, input.model, version) },
    policy,
  });
  options.onProgress?.('computed drift');
  const feedback = await readFeedback({ home: ctx.home, model: input.model, since: input.since });
  const { labelled, accuracy } = accuracyFromFeedback(log, feedback);
  // The report stays under MLOPS_HOME whatever `reportOut` says (a relative path may not climb out of it).
  const home = resolve(ctx.home);
  const reportPath = resolveInside(
    { root: home, realRoot: realpathSync(home), place: 'MLOPS_HOME', hint: 'give reportOut relative to MLOPS_HOME' },
    input.reportOut ?? join('monitoring', input.model, `${basicIso(input.since)}.json`),
  );
  await writeJson(reportPath, {
    model: input.model,
    version,
    window: { since: new Date(input.since).toISOString(), until: new Date(options.now ?? Date.now()).toISOString() },
    rows: log.numRows,
    minRows,
    labelled,
    accuracy,
    ...report,
  });
  options.onProgress?.('wrote report');
  return { version, rows: log.numRows, judged: true, drifted: report.drifted, accuracy, labelled, reportPath };
}
