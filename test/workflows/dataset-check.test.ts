import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { dataActivities } from '../../activities';
import { runDatasetCheck } from '../../client/dataset';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import { MlModelKey, MlStageKey } from '../../workflows/contracts';
import { tempDir, testConfig, unique } from '../helpers/temporal';

describe('datasetCheckWorkflow on the real server', () => {
  let env: TestWorkflowEnvironment;
  let workers: Worker[];
  let running: Promise<unknown>;
  let dir: string;
  let cleanup: () => Promise<void>;
  const controlQueue = unique('control');
  const dataQueue = unique('data');

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const config = testConfig();
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporalAddress,
      namespace: config.namespace,
    });
    const common = { connection: env.nativeConnection, namespace: config.namespace };
    // Two workers on this test's own queues, in the roles of the control and data workers.
    workers = [
      await Worker.create({ ...common, taskQueue: controlQueue, workflowsPath: WORKFLOWS_PATH }),
      await Worker.create({ ...common, taskQueue: dataQueue, activities: dataActivities }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
  });

  afterAll(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await env.teardown();
    await cleanup();
  });

  it('returns rows, columns and sha256 and records MlStage and MlModel', async () => {
    const path = join(dir, 'd.csv');
    await writeFile(path, 'a,b\n1,2\n3,4\n5,6\n');
    const result = await runDatasetCheck({
      client: env.client,
      dataset: path,
      model: 'churn',
      taskQueue: controlQueue,
      queues: { data: dataQueue },
    });
    expect(result).toMatchObject({ rows: 3, columns: 2, stage: 'experimentation', format: 'csv' });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    const description = await env.client.workflow.getHandle(result.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(MlStageKey)).toBe('experimentation');
    expect(description.typedSearchAttributes.get(MlModelKey)).toBe('churn');
  });

  it('fails the workflow at once, without retries, for a missing dataset', async () => {
    const missing = join(dir, 'nope.csv');
    let error: unknown;
    try {
      await runDatasetCheck({
        client: env.client,
        dataset: missing,
        taskQueue: controlQueue,
        queues: { data: dataQueue },
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    const appFailure = (activityFailure as ActivityFailure).cause;
    expect(appFailure).toBeInstanceOf(ApplicationFailure);
    expect((appFailure as ApplicationFailure).type).toBe('DatasetNotFound');
    expect((activityFailure as ActivityFailure).retryState).toBe('NON_RETRYABLE_FAILURE');
  });
});
