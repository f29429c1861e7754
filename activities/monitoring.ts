/** Monitoring activities on the `data` queue: drift and accuracy of a served model's recent traffic. */
import { Context } from '@temporalio/activity';
import { loadConfig } from '../lib/config';
import { checkModelDrift as checkModelDriftOf } from '../lib/monitoring/check-drift';
import type { CheckModelDriftInput, CheckModelDriftResult } from '../workflows/contracts';
import { withDomainFailures } from './failures';
import { registryContext } from './registry';

/**
 * Checks the champion's prediction-log window against its training profile and scores delayed labels. Too little
 * traffic, no champion or no profile come back as `judged: false` with a reason; bad input and missing or corrupt
 * artifacts fail non-retryably.
 */
export async function checkModelDrift(input: CheckModelDriftInput): Promise<CheckModelDriftResult> {
  return withDomainFailures(async () => {
    const ctx = Context.current();
    ctx.heartbeat({ step: 'started' });
    const result = await checkModelDriftOf({ ...registryContext(), home: loadConfig().home }, input, {
      onProgress: (step) => ctx.heartbeat({ step }),
    });
    ctx.log.info('drift check done', {
      model: input.model,
      version: result.version,
      rows: result.rows,
      judged: result.judged,
      drifted: result.drifted,
      accuracy: result.accuracy,
      reason: result.reason,
    });
    return result;
  });
}
