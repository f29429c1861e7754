/**
 * A worker in its own process, for tests that kill one with SIGKILL. Arguments: task queue.
 * Serves the test fixture workflows and activities against TEMPORAL_ADDRESS; prints "ready" when polling.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from '../fixtures/activities';

async function main(): Promise<void> {
  const taskQueue = process.argv[2];
  if (!taskQueue || !process.env.TEMPORAL_ADDRESS)
    throw new Error('usage: worker-process <task-queue> with TEMPORAL_ADDRESS set');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue,
    workflowsPath: require.resolve('../fixtures/workflows'),
    activities,
  });
  process.stdout.write('ready\n');
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`worker-process: ${String(err)}\n`);
  process.exit(1);
});
