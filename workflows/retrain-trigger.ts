/**
 * `retrainTriggerWorkflow`: what a retraining Schedule starts. It signals the model's lifecycle, which
 * decides (cooldown, daily cap, one attempt at a time) whether to retrain.
 */
import { ApplicationFailure, getExternalWorkflowHandle } from '@temporalio/workflow';
import { ErrorType, lifecycleWorkflowId } from './contracts';
import { retrainSignal } from './lifecycle-contracts';
import type { RetrainRequest } from './lifecycle-contracts';

/** Input of `retrainTriggerWorkflow`. */
export interface RetrainTriggerInput {
  model: string;
  reason?: RetrainRequest['reason'];
  detail?: string;
}

/** Signals `lifecycle:<model>` to retrain; fails (visibly, in the schedule's recent runs) when none runs. */
export async function retrainTriggerWorkflow(input: RetrainTriggerInput): Promise<{ signalled: string }> {
  const target = lifecycleWorkflowId(input.model);
  try {
    await getExternalWorkflowHandle(target).signal(retrainSignal, {
      reason: input.reason ?? 'schedule',
      detail: input.detail ?? 'scheduled retraining',
    });
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `no running lifecycle ${target} to retrain: start it with mlops pipeline run (${(err as Error).message})`,
      ErrorType.NotFound,
    );
  }
  return { signalled: target };
}
