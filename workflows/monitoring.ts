/**
 * `driftMonitorWorkflow`: every window, checks the champion's live traffic for drift and its delayed labels for
 * accuracy, and asks the model's lifecycle to retrain when either has slipped. Runs until cancelled, continuing as
 * new before its history grows large.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { dataScan } from './activity-options';
import { ErrorType, MlModelKey, MlModelVersionKey, MlStageKey, Stage, TaskQueue } from './contracts';
import { retrainSignal } from './lifecycle-contracts';
import type { CheckModelDriftResult, DriftMonitorInput, RetrainRequest } from './lifecycle-contracts';
import { driftMonitorStatusQuery } from './monitoring-contracts';
import type { DriftMonitorStatus } from './monitoring-contracts';
import { driftMonitorInputProblems, retrainRequestFor } from './policy/drift-monitor';

/** Checks per run before continuing as new: about 15 history events each, so a run stays near 1,500 events. */
const CHECKS_PER_RUN = 100;

/** Failures of a check that no later window can heal: the monitor's own thresholds or model name are wrong. */
const FATAL_CHECK_ERRORS: readonly string[] = [ErrorType.InvalidContract, ErrorType.InvalidName];

/** Watches a model's traffic and signals its lifecycle to retrain on drift or an accuracy drop; never returns. */
export async function driftMonitorWorkflow(input: DriftMonitorInput): Promise<void> {
  const problems = driftMonitorInputProblems(input);
  if (problems.length > 0)
    throw ApplicationFailure.nonRetryable(`drift monitor: ${problems.join('; ')}`, ErrorType.InvalidInput);
  upsertSearchAttributes([
    { key: MlStageKey, value: Stage.operations },
    { key: MlModelKey, value: input.model },
  ]);
  const { checkModelDrift } = proxyActivities<typeof activities>({
    ...dataScan,
    taskQueue: input.queues?.data ?? TaskQueue.data,
  });
  const status: DriftMonitorStatus = {
    model: input.model,
    lifecycleWorkflowId: input.lifecycleWorkflowId,
    windowSeconds: input.windowSeconds,
    checks: input.checks ?? 0,
    signals: 0,
  };
  setHandler(driftMonitorStatusQuery, () => status);
  const lifecycle = getExternalWorkflowHandle(input.lifecycleWorkflowId);

  const signalLifecycle = async (request: RetrainRequest): Promise<void> => {
    const at = new Date().toISOString();
    try {
      await lifecycle.signal(retrainSignal, request);
      status.signals++;
      status.lastSignal = { at, request, delivered: true };
      log.info('asked the lifecycle to retrain', { model: input.model, ...request });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const error = err instanceof Error ? err.message : String(err);
      status.signals++;
      status.lastSignal = { at, request, delivered: false, error };
      log.warn('the lifecycle could not be signalled; monitoring goes on', {
        model: input.model,
        lifecycleWorkflowId: input.lifecycleWorkflowId,
        error,
      });
    }
  };

  const windowMs = input.windowSeconds * 1000;
  let servedVersion: number | undefined;
  for (let checksThisRun = 1; ; checksThisRun++) {
    await sleep(windowMs);
    const since = Date.now() - windowMs;
    let result: CheckModelDriftResult | undefined;
    try {
      result = await checkModelDrift({ model: input.model, since, drift: input.drift, minRows: input.minRows });
    } catch (err) {
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && FATAL_CHECK_ERRORS.includes(cause.type ?? '')) throw err;
      status.lastError = { at: new Date().toISOString(), message: cause?.message ?? err.message };
      log.warn('drift check failed; the next window will try again', { model: input.model, error: cause?.message });
    }
    status.checks++;
    if (result) {
      status.last = { ...result, at: new Date().toISOString(), since: new Date(since).toISOString() };
      status.lastError = undefined;
      if (result.version !== undefined && result.version !== servedVersion) {
        servedVersion = result.version;
        upsertSearchAttributes([{ key: MlModelVersionKey, value: String(servedVersion) }]);
      }
      const request = retrainRequestFor({
        model: input.model,
        result,
        accuracyFloor: input.accuracyFloor,
        at: new Date(Date.now()).toISOString(),
      });
      if (request) await signalLifecycle(request);
    }
    if (checksThisRun >= CHECKS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof driftMonitorWorkflow>({ ...input, checks: status.checks });
    }
  }
}
