/**
 * The lifecycle SDK: start a model's lifecycle, read its status, trigger retraining, approve a promotion,
 * and manage retraining schedules. Usable from any TypeScript program with a Temporal `Client`.
 */
import { ScheduleOverlapPolicy, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { Client, ScheduleDescription, ScheduleHandle, WorkflowHandle } from '@temporalio/client';
import {
  lifecycleStatusQuery,
  lifecycleWorkflowId,
  retrainingScheduleId,
  retrainSignal,
  TaskQueue,
} from '../workflows/contracts';
import type { LifecycleInput, LifecycleStatus, PipelineSpec, RolloutStatus } from '../workflows/contracts';
import type { mlLifecycleWorkflow } from '../workflows';
import { decideRollout } from './rollout';

/** How long a missed scheduled retraining may still start after the server was down (documented). */
export const SCHEDULE_CATCHUP_WINDOW = '10 minutes';

/**
 * Starts `mlLifecycleWorkflow` for the spec's model as `lifecycle:<model>`. A lifecycle already running
 * for the model is returned as it is (one lifecycle per model), not started twice.
 */
export async function startLifecycle(
  client: Client,
  spec: PipelineSpec,
  options: { taskQueue?: string; queues?: LifecycleInput['queues']; once?: boolean } = {},
): Promise<WorkflowHandle<typeof mlLifecycleWorkflow>> {
  return client.workflow.start<typeof mlLifecycleWorkflow>('mlLifecycleWorkflow', {
    taskQueue: options.taskQueue ?? options.queues?.control ?? TaskQueue.control,
    workflowId: lifecycleWorkflowId(spec.model),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ spec, queues: options.queues, once: options.once }],
  });
}

/** The lifecycle's status: stage, step, champion, last drift check and KPIs. */
export function getLifecycleStatus(client: Client, model: string): Promise<LifecycleStatus> {
  return client.workflow.getHandle(lifecycleWorkflowId(model)).query(lifecycleStatusQuery);
}

/** Reports drift to the lifecycle, which retrains unless the cooldown or daily cap says no. */
export function signalDrift(client: Client, model: string, detail?: string, reportPath?: string): Promise<void> {
  return client.workflow
    .getHandle(lifecycleWorkflowId(model))
    .signal(retrainSignal, { reason: 'drift', detail, reportPath });
}

/** Asks the lifecycle to retrain now (same admission rules as drift). */
export function requestRetraining(client: Client, model: string, detail?: string): Promise<void> {
  return client.workflow.getHandle(lifecycleWorkflowId(model)).signal(retrainSignal, { reason: 'manual', detail });
}

/** Approves (or rejects) the promotion to 100 % of the model's canary awaiting approval. */
export function approvePromotion(
  client: Client,
  model: string,
  approved = true,
  reason?: string,
): Promise<RolloutStatus> {
  return decideRollout(client, model, approved, reason);
}

/**
 * Creates the model's retraining Schedule (`retrain:<model>`): on each cron tick it starts
 * `retrainTriggerWorkflow`, which signals the lifecycle. Overlap policy SKIP; missed ticks within
 * SCHEDULE_CATCHUP_WINDOW after an outage still run once.
 */
export async function createRetrainingSchedule(
  client: Client,
  model: string,
  cron: string,
  options: { taskQueue?: string; paused?: boolean; note?: string } = {},
): Promise<ScheduleHandle> {
  return client.schedule.create({
    scheduleId: retrainingScheduleId(model),
    spec: { cronExpressions: [cron] },
    action: {
      type: 'startWorkflow',
      workflowType: 'retrainTriggerWorkflow',
      taskQueue: options.taskQueue ?? TaskQueue.control,
      args: [{ model, reason: 'schedule' }],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: SCHEDULE_CATCHUP_WINDOW },
    state: { paused: options.paused, note: options.note ?? `scheduled retraining of ${model}` },
    // The server keeps cron as calendar specs; the memo keeps the expression as the user wrote it.
    memo: { cron },
  });
}

/** Every retraining schedule (ids `retrain:<model>`) with its description. */
export async function listRetrainingSchedules(
  client: Client,
): Promise<{ model: string; description: ScheduleDescription }[]> {
  const out: { model: string; description: ScheduleDescription }[] = [];
  for await (const summary of client.schedule.list()) {
    if (!summary.scheduleId.startsWith('retrain:')) continue;
    const description = await client.schedule.getHandle(summary.scheduleId).describe();
    out.push({ model: summary.scheduleId.slice('retrain:'.length), description });
  }
  return out;
}

/** The handle of a model's retraining schedule (pause, unpause, trigger, delete). */
export function retrainingSchedule(client: Client, model: string): ScheduleHandle {
  return client.schedule.getHandle(retrainingScheduleId(model));
}
