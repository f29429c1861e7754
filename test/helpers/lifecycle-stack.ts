/**
 * What lifecycle tests run against: the jest test server, one worker per queue (control, data, gpu) on
 * unique task queues, and a real gateway on the same MLOPS_HOME.
 */
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { controlActivities, dataActivities, gpuActivities } from '../../activities';
import type { Gateway, StartGatewayOptions } from '../../lib/serving';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import { gateway, TOKEN } from '../e2e/gateway-helpers';
import { testConfig, unique } from './temporal';

/** A running lifecycle test stack. */
export interface LifecycleStack {
  env: TestWorkflowEnvironment;
  queues: { control: string; data: string; gpu: string };
  gw: Gateway;
  /** Stops the gateway and workers and restores MLOPS_HOME and MLOPS_GATEWAY_TOKEN. */
  stop(): Promise<void>;
}

/**
 * Points MLOPS_HOME at `home`, then starts the gateway and the three workers. A `dataConverter` (payload
 * encryption) is used by the client and every worker, as `mlops up` uses it when MLOPS_ENCRYPTION_KEY_FILE is set.
 */
export async function startLifecycleStack(
  home: string,
  gatewayOptions: Partial<StartGatewayOptions> = {},
  options: { dataConverter?: DataConverter } = {},
): Promise<LifecycleStack> {
  const saved = { home: process.env.MLOPS_HOME, token: process.env.MLOPS_GATEWAY_TOKEN };
  process.env.MLOPS_HOME = home;
  process.env.MLOPS_GATEWAY_TOKEN = TOKEN;
  const queues = { control: unique('control'), data: unique('data'), gpu: unique('gpu') };
  const gw = await gateway(home, gatewayOptions);
  const config = testConfig();
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: config.temporalAddress,
    namespace: config.namespace,
    ...(options.dataConverter ? { client: { dataConverter: options.dataConverter } } : {}),
  });
  const connection = env.nativeConnection;
  const common = { connection, ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}) };
  const workers = [
    await Worker.create({
      ...common,
      taskQueue: queues.control,
      workflowsPath: WORKFLOWS_PATH,
      activities: controlActivities,
    }),
    await Worker.create({ ...common, taskQueue: queues.data, activities: dataActivities }),
    await Worker.create({ ...common, taskQueue: queues.gpu, activities: gpuActivities }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    env,
    queues,
    gw,
    stop: async () => {
      await gw.close();
      workers.forEach((w) => w.shutdown());
      await running;
      await env.teardown();
      process.env.MLOPS_HOME = saved.home;
      process.env.MLOPS_GATEWAY_TOKEN = saved.token;
    },
  };
}
