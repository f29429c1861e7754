/**
 * The `bare-sdk` baseline of bench:lifecycle: plain SDK workflows that make the same calls as a first-version
 * lifecycle, in the same order and on the same task queues (7 activities, one of them in a child workflow),
 * without the lifecycle's state, search attributes, memo, error handling or policy. Workflow code: deterministic.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type * as noop from './lifecycle-noop';

/** Input of the bare workflows. */
export interface BareInput {
  model: string;
  queues: { control: string; data: string; gpu: string };
}

const options = { startToCloseTimeout: '30 seconds' } as const;

/** The training child: one activity on the gpu queue. */
export async function bareTrainingWorkflow(input: BareInput): Promise<string> {
  const { trainModel } = proxyActivities<typeof noop>({ ...options, taskQueue: input.queues.gpu });
  return (await trainModel()).modelPath;
}

/** The lifecycle's calls: profile, train (child), champion, evaluate, register, alias, routes. */
export async function bareLifecycleWorkflow(input: BareInput): Promise<number> {
  const data = proxyActivities<typeof noop>({ ...options, taskQueue: input.queues.data });
  const control = proxyActivities<typeof noop>({ ...options, taskQueue: input.queues.control });
  await data.profileDataset();
  await executeChild(bareTrainingWorkflow, {
    workflowId: `${workflowInfo().workflowId}/training`,
    taskQueue: input.queues.control,
    args: [input],
  });
  await control.getChampion({ model: input.model });
  await data.evaluateModel();
  const { version } = await control.registerModelVersion({ model: input.model, modelPath: 'noop/model.onnx' });
  await control.setModelAlias({ model: input.model, alias: 'champion', version });
  await control.setModelRoutes();
  return version;
}
