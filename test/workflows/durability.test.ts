/**
 * Durability: a workflow outlives a SIGKILL of the Temporal server (restarted on the same SQLite file),
 * and an activity outlives a SIGKILL of its worker (another worker finishes it from the last heartbeat).
 */
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../../lib/config';
import { ensureBinaries } from '../../lib/temporal/binaries';
import { startEmbeddedServer } from '../../lib/temporal/embedded';
import type { EmbeddedServer } from '../../lib/temporal/embedded';
import { ensureNamespace } from '../../lib/temporal/namespace';
import { ephemeralPorts } from '../../lib/temporal/ports';
import * as activities from '../fixtures/activities';
import type { durableTimerWorkflow, resumableCountWorkflow } from '../fixtures/workflows';
import { spawnTs } from '../helpers/processes';
import type { TestProcess } from '../helpers/processes';
import { tempDir, testConfig, unique } from '../helpers/temporal';

const FIXTURE_WORKFLOWS = require.resolve('../fixtures/workflows');
const WORKER_PROCESS = join(__dirname, '..', 'helpers', 'worker-process.ts');

async function withClient<T>(address: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection, namespace: 'default' }));
  } finally {
    await connection.close();
  }
}

async function runWorkerUntil<T>(address: string, taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({ connection, taskQueue, workflowsPath: FIXTURE_WORKFLOWS, activities });
    return await worker.runUntil(fn);
  } finally {
    await connection.close();
  }
}

describe('a workflow survives a SIGKILL of the Temporal server', () => {
  let server: EmbeddedServer | undefined;
  let home: { dir: string; cleanup: () => Promise<void> };
  afterAll(async () => {
    await server?.stop();
    await home?.cleanup();
  });

  it('completes its durable timer after the server restarts on the same SQLite file', async () => {
    home = await tempDir('mlops-durability-');
    const binaries = await ensureBinaries({ cacheDir: loadConfig().cacheDir });
    const ports = await ephemeralPorts();
    const start = () =>
      startEmbeddedServer({ serverBinary: binaries.server, home: home.dir, ports, namespace: 'default' });
    server = await start();
    const address = server.address;
    const prepare = async () => {
      const connection = await Connection.connect({ address });
      await ensureNamespace(connection, 'default').finally(() => connection.close());
    };
    await prepare();
    const taskQueue = unique('timer');
    const workflowId = unique('durable-timer');
    const token = unique('token');

    // Run the workflow until its timer is recorded, then stop the worker and kill the server.
    await runWorkerUntil(address, taskQueue, () =>
      withClient(address, async (client) => {
        const handle = await client.workflow.start<typeof durableTimerWorkflow>('durableTimerWorkflow', {
          taskQueue,
          workflowId,
          args: [{ sleepMs: 3000, token }],
        });
        for (;;) {
          const history = await handle.fetchHistory();
          if (history.events?.some((e) => e.timerStartedEventAttributes)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
      }),
    );
    server.server.child.kill('SIGKILL');
    expect(await server.server.exited).toBe('SIGKILL');

    server = await start();
    const result = await runWorkerUntil(address, taskQueue, () =>
      withClient(address, (client) => client.workflow.getHandle<typeof durableTimerWorkflow>(workflowId).result()),
    );
    expect(result).toEqual({ token, sleptMs: 3000 });
  });
});

describe('an activity survives a SIGKILL of its worker', () => {
  const workers: TestProcess[] = [];
  afterAll(async () => {
    for (const w of workers) {
      w.child.kill('SIGTERM');
      await w.exited;
    }
  });

  it('is retried on another worker after the heartbeat timeout and resumes from its last heartbeat', async () => {
    const config = testConfig();
    const taskQueue = unique('resumable');
    const env = { ...process.env, TEMPORAL_ADDRESS: config.temporalAddress, TEMPORAL_NAMESPACE: config.namespace };
    const first = spawnTs(WORKER_PROCESS, [taskQueue], env);
    workers.push(first);
    await first.waitFor(/ready/);

    await withClient(config.temporalAddress, async (client) => {
      const handle = await client.workflow.start<typeof resumableCountWorkflow>('resumableCountWorkflow', {
        taskQueue,
        workflowId: unique('resumable-count'),
        args: [{ steps: 8, stepMs: 300 }],
      });
      await first.waitFor(/step 3 /);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');

      const second = spawnTs(WORKER_PROCESS, [taskQueue], env);
      workers.push(second);
      const result = await handle.result();
      expect(result.completed).toBe(8);
      expect(result.attempt).toBe(2);
      expect(result.pid).toBe(second.child.pid);
      // Heartbeats are throttled, so the retry resumes from the last heartbeat the server recorded (at least
      // step 1), and never starts over.
      expect(result.resumedFrom).toBeGreaterThanOrEqual(1);
      const firstStepOfRetry = Number(second.stdout().match(/step (\d+) /)?.[1]);
      expect(firstStepOfRetry).toBe(result.resumedFrom + 1);
    });
  });
});
