/**
 * Records the histories that the replay tests replay: runs each workflow on a real server (the one at
 * TEMPORAL_ADDRESS, or an embedded one on ephemeral ports) and writes test/replay/histories/<name>.binpb
 * (the History protobuf, binary: the SDK's JSON export of this version trips over two protobufjs copies).
 * Existing files are kept (old histories prove that new code still replays them); `--force` re-records.
 * Run after adding a workflow type: `npm run record:histories`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataActivities, gpuActivities } from '../activities';
import { generateTable } from '../lib/data/generate';
import { writeTable } from '../lib/data/write';
import { loadConfig } from '../lib/config';
import { ephemeralPorts } from '../lib/temporal/ports';
import { provisionTemporal } from '../lib/temporal/provision';
import { WORKFLOWS_PATH } from '../workers/bootstrap';
import type { datasetCheckWorkflow, trainingWorkflow, tuningWorkflow } from '../workflows';
import { existsSync } from 'node:fs';

const OUT = join(__dirname, '..', 'test', 'replay', 'histories');

/** One recorded run: a file name and the workflow input. */
const runs: { file: string; input: Parameters<typeof datasetCheckWorkflow>[0] }[] = [
  {
    file: 'datasetCheckWorkflow-completed.binpb',
    input: { dataset: 'examples/data/churn-sample.csv', model: 'churn' },
  },
  { file: 'datasetCheckWorkflow-dataset-not-found.binpb', input: { dataset: 'examples/data/missing.csv' } },
];

async function main(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'mlops-record-'));
  const config = loadConfig({ ...process.env, MLOPS_HOME: home });
  const stack = await provisionTemporal({
    config,
    ports: process.env.TEMPORAL_ADDRESS ? undefined : await ephemeralPorts(),
    withUi: false,
    onProgress: (line) => console.error(line),
  });
  try {
    const taskQueue = `record-${process.pid}`;
    const nativeConnection = await NativeConnection.connect({ address: stack.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: config.namespace,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      activities: { ...dataActivities, ...gpuActivities },
    });
    const connection = await Connection.connect({ address: stack.address });
    const client = new Client({ connection, namespace: config.namespace });
    await worker.runUntil(async () => {
      const force = process.argv.includes('--force');
      const wanted = (file: string) => force || !existsSync(join(OUT, file));
      for (const run of runs.filter((r) => wanted(r.file))) {
        const workflowId = `record-${run.file.replace('.binpb', '')}-${Date.now()}`;
        const handle = await client.workflow.start<typeof datasetCheckWorkflow>('datasetCheckWorkflow', {
          taskQueue,
          workflowId,
          args: [{ ...run.input, queues: { data: taskQueue } }],
        });
        await handle.result().catch(() => undefined);
        const history = temporal.api.history.v1.History.fromObject(await handle.fetchHistory());
        await writeFile(join(OUT, run.file), temporal.api.history.v1.History.encode(history).finish());
        console.log(`recorded ${run.file}`);
      }
      const train = join(home, 'train.parquet');
      const valid = join(home, 'valid.parquet');
      await writeTable(generateTable({ rows: 2000, seed: 1 }), train);
      await writeTable(generateTable({ rows: 500, seed: 2 }), valid);
      const common = { model: 'churn', train, valid, label: 'label', queues: { gpu: taskQueue } };
      const save = async (
        file: string,
        handle: { fetchHistory: () => Promise<unknown>; result: () => Promise<unknown> },
      ) => {
        await handle.result();
        const history = temporal.api.history.v1.History.fromObject((await handle.fetchHistory()) as object);
        await writeFile(join(OUT, file), temporal.api.history.v1.History.encode(history).finish());
        console.log(`recorded ${file}`);
      };
      if (wanted('trainingWorkflow-completed.binpb')) {
        const handle = await client.workflow.start<typeof trainingWorkflow>('trainingWorkflow', {
          taskQueue,
          workflowId: 'trainingWorkflow-completed',
          args: [{ ...common, trainer: 'builtin:logreg', params: { maxEpochs: 2 } }],
        });
        await save('trainingWorkflow-completed.binpb', handle);
      }
      if (wanted('tuningWorkflow-completed.binpb')) {
        const handle = await client.workflow.start<typeof tuningWorkflow>('tuningWorkflow', {
          taskQueue,
          workflowId: 'tuningWorkflow-completed', // the replay test replays each file under its own name
          args: [
            {
              ...common,
              trainer: 'builtin:mlp',
              space: { hidden: { type: 'choice', values: [[4], [8]] } },
              trials: 2,
              eta: 2,
              minEpochs: 1,
              maxEpochs: 2,
            },
          ],
        });
        await save('tuningWorkflow-completed.binpb', handle);
      }
    });
    await connection.close();
    await nativeConnection.close();
  } finally {
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
