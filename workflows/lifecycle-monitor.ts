/** Starting a model's drift monitor from its lifecycle: once, and surviving the lifecycle's continue-as-new. */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import { driftMonitorWorkflowId, TaskQueue } from './contracts';
import type { LifecycleInput, PipelineSpec } from './contracts';

/** Default seconds between drift checks. */
export const DEFAULT_MONITOR_WINDOW_SECONDS = 300;

/**
 * Starts `driftMonitorWorkflow` for the model (abandoned on close, so it outlives continue-as-new);
 * a monitor already running counts as started. Returns true once one runs.
 */
export async function ensureMonitor(spec: PipelineSpec, queues: LifecycleInput['queues']): Promise<boolean> {
  try {
    await startChild('driftMonitorWorkflow', {
      workflowId: driftMonitorWorkflowId(spec.model),
      taskQueue: queues?.control ?? TaskQueue.control,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          model: spec.model,
          lifecycleWorkflowId: workflowInfo().workflowId,
          windowSeconds: spec.monitoring?.windowSeconds ?? DEFAULT_MONITOR_WINDOW_SECONDS,
          drift: spec.monitoring?.drift,
          accuracyFloor: spec.monitoring?.accuracyFloor,
          minRows: spec.monitoring?.minRows,
          queues: { data: queues?.data },
        },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return true;
}
