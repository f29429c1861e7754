/** `trainingWorkflow`: one training on the GPU queue, resumed from its checkpoint after every preemption. */
import {
  ActivityFailure,
  ApplicationFailure,
  log,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { trainingOptions } from './activity-options';
import { ErrorType, MlModelKey, MlStageKey, Stage } from './contracts';
import type { PreemptedDetails, TrainingCounters, TrainingInput, TrainingResult } from './contracts';

/** Trains a model; preemptions resume from the checkpoint at once, up to `maxPreemptions`. */
export async function trainingWorkflow(input: TrainingInput): Promise<TrainingResult> {
  upsertSearchAttributes([
    { key: MlStageKey, value: Stage.experimentation },
    { key: MlModelKey, value: input.model },
  ]);
  const { trainModel } = proxyActivities<typeof activities>({
    ...trainingOptions(input.heartbeatTimeoutSeconds),
    taskQueue: input.queues?.gpu ?? trainingOptions().taskQueue,
  });
  const maxPreemptions = input.maxPreemptions ?? 20;
  let resumeFrom = input.resumeFrom;
  let resumeStep: number | undefined;
  let carried: TrainingCounters | undefined;
  for (;;) {
    try {
      return await trainModel({
        runId: workflowInfo().workflowId.replace(/[^A-Za-z0-9_.-]/g, '_'),
        trainer: input.trainer,
        train: input.train,
        valid: input.valid,
        label: input.label,
        params: input.params,
        seed: input.seed,
        resumeFrom,
        resumeStep,
        carried,
      });
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure) || cause.type !== ErrorType.Preempted) throw err;
      const details = cause.details?.[0] as PreemptedDetails;
      carried = { ...details.counters, preemptions: details.counters.preemptions + 1 };
      resumeFrom = details.checkpoint;
      resumeStep = details.step;
      log.info('training preempted; resuming from its checkpoint', {
        step: details.step,
        preemptions: carried.preemptions,
      });
      if (carried.preemptions > maxPreemptions) {
        throw ApplicationFailure.nonRetryable(
          `training preempted ${carried.preemptions} times (limit ${maxPreemptions})`,
          ErrorType.Preempted,
          details,
        );
      }
    }
  }
}
