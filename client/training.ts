/** SDK functions for training runs. */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TaskQueue, trainingWorkflowId } from '../workflows/contracts';
import type { TrainingInput, TrainingResult } from '../workflows/contracts';
import type { trainingWorkflow } from '../workflows';

/** Starts `trainingWorkflow` on the control queue and returns its handle. */
export function startTraining(
  client: Client,
  input: TrainingInput,
  options: { taskQueue?: string; run?: string } = {},
): Promise<WorkflowHandle<typeof trainingWorkflow>> {
  return client.workflow.start<typeof trainingWorkflow>('trainingWorkflow', {
    taskQueue: options.taskQueue ?? TaskQueue.control,
    workflowId: trainingWorkflowId(input.model, options.run ?? randomUUID()),
    args: [input],
  });
}

/** The figures `mlops train --json` prints for a finished training. */
export function trainingSummary(workflowId: string, result: TrainingResult) {
  return {
    workflowId,
    modelPath: result.modelPath,
    metrics: result.metrics,
    steps: result.steps,
    gpuSeconds: result.deviceSeconds,
    wallSeconds: result.wallSeconds,
    costEstimate: result.costEstimate,
    preemptions: result.preemptions,
    lostSteps: result.lostSteps,
    devices: result.devices,
  };
}
