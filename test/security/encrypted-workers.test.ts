/**
 * The production wiring with MLOPS_ENCRYPTION_KEY_FILE set: workers from workers/bootstrap.ts (the control
 * queue's workflow bundle carries the failure converter) and a client from client/connection.ts. A dataset check of
 * a missing file fails; the authorised client reads the failure message decoded, the server's database holds neither
 * the dataset path nor the message, and a client without the key sees only encrypted payloads.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { NativeConnection } from '@temporalio/worker';
import { createClient } from '../../client/connection';
import { loadConfig } from '../../lib/config';
import type { MlopsConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { ENCRYPTED_ENCODING } from '../../lib/security/codec';
import type { datasetCheckWorkflow } from '../../workflows';
import { createQueueWorker, workflowBundleOptions } from '../../workers/bootstrap';
import { rootApplicationFailure } from '../../client/cli/errors';
import { scanFiles, temporalDbFiles } from '../helpers/secret-scan';
import { tempDir, testConfig, unique } from '../helpers/temporal';

jest.setTimeout(120_000);

describe('workers and client built from config with encryption on', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let config: MlopsConfig;
  let connection: NativeConnection;
  let workers: Worker[];
  let running: Promise<unknown>;
  const queues = { control: unique('control'), data: unique('data') };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mlops-encrypted-workers-'));
    const keyFile = join(dir, 'payload.keys');
    await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    config = loadConfig({
      ...process.env,
      MLOPS_ENCRYPTION_KEY_FILE: keyFile,
      TEMPORAL_ADDRESS: testConfig().temporalAddress,
    });
    connection = await NativeConnection.connect({ address: config.temporalAddress });
    const logger = createLogger('warn', 'test');
    workers = [
      await createQueueWorker({ queue: 'control', connection, config, logger, taskQueue: queues.control }),
      await createQueueWorker({ queue: 'data', connection, config, logger, taskQueue: queues.data }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterAll(async () => {
    workers?.forEach((w) => w.shutdown());
    await running;
    await connection?.close();
    await cleanup?.();
  });

  it('bundles the failure converter only when encryption is on', () => {
    expect(workflowBundleOptions(config).failureConverterPath).toMatch(/failure-converter/);
    expect(workflowBundleOptions({ encryptionKeyFile: undefined }).failureConverterPath).toBeUndefined();
  });

  it('encrypts inputs and failure messages; the authorised client decodes them, the database does not hold them', async () => {
    const marker = `missingdataset${randomBytes(8).toString('hex')}`;
    const dataset = join(dir, `${marker}.csv`);
    const client = await createClient(config);
    const workflowId = unique('dataset-check');
    try {
      const err = await client.workflow
        .execute<typeof datasetCheckWorkflow>('datasetCheckWorkflow', {
          taskQueue: queues.control,
          workflowId,
          args: [{ dataset, queues: { data: queues.data } }],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const failure = rootApplicationFailure(err);
      expect(failure?.type).toBe('DatasetNotFound');
      expect(failure?.message).toContain(marker);
    } finally {
      await client.connection.close();
    }

    const db = await temporalDbFiles();
    if (db.length > 0) expect(await scanFiles(db, [marker, dir])).toEqual([]);

    // A client without the key reads the raw history: encrypted payloads and failures without their message.
    const raw = new Client({
      connection: await Connection.connect({ address: config.temporalAddress }),
    });
    try {
      const history = await raw.workflow.getHandle(workflowId).fetchHistory();
      const started = history.events?.[0].workflowExecutionStartedEventAttributes;
      const encoding = Buffer.from(started?.input?.payloads?.[0].metadata?.encoding ?? []).toString();
      expect(encoding).toBe(ENCRYPTED_ENCODING);
      const failed = history.events?.find(
        (e) => e.workflowExecutionFailedEventAttributes,
      )?.workflowExecutionFailedEventAttributes;
      expect(failed?.failure?.message).toBe('Encoded failure');
      expect(JSON.stringify(history)).not.toContain(marker);
    } finally {
      await raw.connection.close();
    }
  });
});
