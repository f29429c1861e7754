/** Dataset activities on the `data` queue: thin adapters over lib/data. */
import { Context } from '@temporalio/activity';
import type { CheckDatasetInput, CheckDatasetResult } from '../workflows/contracts';
import { ErrorType } from '../workflows/contracts';
import { checkDatasetFile } from '../lib/data/check';
import { DomainError } from '../lib/errors';
import { withDomainFailures } from './failures';

/** Heartbeat at most this often; each heartbeat carries bytes read so a retry can report progress. */
const HEARTBEAT_EVERY_MS = 1000;

/** Reads a dataset file and returns its rows, columns and sha256, heartbeating while it streams. */
export async function checkDataset(input: CheckDatasetInput): Promise<CheckDatasetResult> {
  const ctx = Context.current();
  return withDomainFailures(async () => {
    if (typeof input?.dataset !== 'string' || input.dataset.trim() === '') {
      throw new DomainError(ErrorType.InvalidInput, 'checkDataset needs a non-empty dataset path');
    }
    let lastBeat = 0;
    ctx.heartbeat({ bytesRead: 0 });
    const result = await checkDatasetFile(input.dataset, {
      signal: ctx.cancellationSignal,
      onProgress: (bytesRead, totalBytes) => {
        const now = Date.now();
        if (now - lastBeat >= HEARTBEAT_EVERY_MS) {
          lastBeat = now;
          ctx.heartbeat({ bytesRead, totalBytes });
        }
      },
    }).catch((err: unknown) => {
      // A cancelled scan surfaces as the stream's AbortError; report the cancellation itself.
      throw ctx.cancellationSignal.aborted ? (ctx.cancellationSignal.reason ?? err) : err;
    });
    ctx.log.info('dataset checked', { path: result.path, rows: result.rows, sha256: result.sha256 });
    return result;
  });
}
