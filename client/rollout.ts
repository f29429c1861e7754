/** SDK functions for canary rollouts: start, watch, approve or reject, roll back. */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  rolloutApprovalUpdate,
  rolloutRollbackSignal,
  rolloutStatusQuery,
  rolloutWorkflowId,
  TaskQueue,
} from '../workflows/contracts';
import type { RolloutInput, RolloutStatus } from '../workflows/contracts';
import type { canaryRolloutWorkflow } from '../workflows';

/**
 * Starts `canaryRolloutWorkflow` for a model. At most one rollout per model is open: starting a second
 * while one runs fails with WorkflowExecutionAlreadyStartedError.
 */
export function startRollout(
  client: Client,
  input: RolloutInput,
  options: { taskQueue?: string } = {},
): Promise<WorkflowHandle<typeof canaryRolloutWorkflow>> {
  return client.workflow.start<typeof canaryRolloutWorkflow>('canaryRolloutWorkflow', {
    taskQueue: options.taskQueue ?? TaskQueue.control,
    workflowId: rolloutWorkflowId(input.model),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    args: [input],
  });
}

/** The handle of a model's latest rollout. */
export function rolloutHandle(client: Client, model: string): WorkflowHandle<typeof canaryRolloutWorkflow> {
  return client.workflow.getHandle<typeof canaryRolloutWorkflow>(rolloutWorkflowId(model));
}

/** The status of a model's rollout (running or finished). */
export function getRolloutStatus(client: Client, model: string): Promise<RolloutStatus> {
  return rolloutHandle(client, model).query(rolloutStatusQuery);
}

/** Approves or rejects promotion to 100 %; fails unless the rollout is awaiting approval. */
export function decideRollout(
  client: Client,
  model: string,
  approved: boolean,
  reason?: string,
): Promise<RolloutStatus> {
  return rolloutHandle(client, model).executeUpdate(rolloutApprovalUpdate, { args: [{ approved, reason }] });
}

/** Asks a running rollout to roll back now. */
export function rollbackRollout(client: Client, model: string, reason?: string): Promise<void> {
  return rolloutHandle(client, model).signal(rolloutRollbackSignal, { reason });
}
