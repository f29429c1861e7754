/** SDK functions for dataset workflows. */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TaskQueue, datasetCheckWorkflowId } from '../workflows/contracts';
import type { DatasetCheckResult, QueueRouting } from '../workflows/contracts';
import type { datasetCheckWorkflow } from '../workflows';

/** Input of `runDatasetCheck`. */
export interface RunDatasetCheckInput {
  client: Client;
  /** Dataset path as the data worker sees it. */
  dataset: string;
  model?: string;
  /** Task queue of the control worker (tests use their own). */
  taskQueue?: string;
  /** Task queues the workflow dispatches activities to, when not the defaults. */
  queues?: QueueRouting;
}

/** Result of `runDatasetCheck`: the workflow's result and its id. */
export interface RunDatasetCheckResult extends DatasetCheckResult {
  workflowId: string;
}

/** Starts `datasetCheckWorkflow` and waits for its result. */
export async function runDatasetCheck(input: RunDatasetCheckInput): Promise<RunDatasetCheckResult> {
  const workflowId = datasetCheckWorkflowId(randomUUID());
  const result = await input.client.workflow.execute<typeof datasetCheckWorkflow>('datasetCheckWorkflow', {
    taskQueue: input.taskQueue ?? TaskQueue.control,
    workflowId,
    args: [{ dataset: input.dataset, model: input.model, queues: input.queues }],
  });
  return { ...result, workflowId };
}
