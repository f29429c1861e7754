/**
 * Secret scan: 20 canary secrets are planted where secrets and sensitive values can flow (secret references of a
 * pipeline spec resolved by the trainer, workflow input, signal, memo, activity input and result, heartbeat
 * details, failure messages, log fields, the codec token, a malformed key file). With payload encryption on, a
 * real lifecycle and the payload-channel workflows run, then the raw bytes of the Temporal server's SQLite files
 * (WAL included), the logs, the error output and MLOPS_HOME (registry and artifact metadata) hold none of them.
 * The control run without encryption finds the payload canaries in the same database, so the scan can fail.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../lib/config';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import { createLogger } from '../../lib/logging';
import { parsePipelineSpec } from '../../lib/pipeline';
import { startCodecServer } from '../../lib/security/codec-server';
import { createDataConverter, createEncryptionCodec } from '../../lib/security/data-converter';
import type { mlLifecycleWorkflow } from '../../workflows';
import * as flowActivities from '../fixtures/secret-flow/activities';
import { plantSignal } from '../fixtures/secret-flow/workflows';
import type { secretFlowWorkflow } from '../fixtures/secret-flow/workflows';
import { startLifecycleStack } from '../helpers/lifecycle-stack';
import type { LifecycleStack } from '../helpers/lifecycle-stack';
import { canaries, filesUnder, scanFiles, scanTexts, temporalDbFiles } from '../helpers/secret-scan';
import type { Hit } from '../helpers/secret-scan';
import { tempDir, unique } from '../helpers/temporal';

jest.setTimeout(240_000);

const FLOW_WORKFLOWS = require.resolve('../fixtures/secret-flow/workflows');
const SECRET_TRAINER = join(__dirname, '..', 'fixtures', 'trainers', 'secret-trainer.js');
const MLOPS_BIN = join(__dirname, '..', '..', 'bin', 'mlops.js');
const hasDb = Boolean(process.env.MLOPS_TEST_SERVER_HOME);
const describeWithDb = hasDb ? describe : describe.skip;
const title = hasDb ? 'secret scan' : 'secret scan (skipped: the test server is external, its database is not here)';

/** Payload-channel canaries, in the fixture flow's order. */
interface FlowCanaries {
  input: string;
  heartbeat: string;
  activityResult: string;
  activityFailure: string;
  workflowFailure: string;
  upsertedMemo: string;
  startMemo: string;
  signal: string;
}

/** Runs the secret-flow workflow with `values` through a worker and client sharing `dataConverter`. */
async function runFlow(
  connection: NativeConnection,
  client: Client,
  values: FlowCanaries,
  dataConverter?: DataConverter,
): Promise<WorkflowFailedError> {
  const taskQueue = unique('secret-flow');
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: FLOW_WORKFLOWS,
    activities: flowActivities,
    ...(dataConverter ? { dataConverter } : {}),
  });
  return worker.runUntil(async () => {
    const handle = await client.workflow.start<typeof secretFlowWorkflow>('secretFlowWorkflow', {
      taskQueue,
      workflowId: unique('secret-flow'),
      args: [values],
      memo: { note: values.startMemo },
    });
    await handle.signal(plantSignal, values.signal);
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    return err as WorkflowFailedError;
  });
}

function flowCanaries(values: string[]): FlowCanaries {
  const [input, heartbeat, activityResult, activityFailure, workflowFailure, upsertedMemo, startMemo, signal] = values;
  return { input, heartbeat, activityResult, activityFailure, workflowFailure, upsertedMemo, startMemo, signal };
}

function describeHits(hits: Hit[], names: Map<string, string>): string[] {
  return hits.map((hit) => `${names.get(hit.canary) ?? hit.canary} in ${hit.where}`);
}

describeWithDb(title, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let stack: LifecycleStack | undefined;
  let keyFile: string;
  const savedEnv: Record<string, string | undefined> = {};

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mlops-secret-scan-'));
    keyFile = join(dir, 'keys', 'payload.keys');
    await mkdir(join(dir, 'keys'), { recursive: true });
    await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await stack?.stop();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await cleanup?.();
  });

  function setEnv(name: string, value: string): void {
    if (!(name in savedEnv)) savedEnv[name] = process.env[name];
    process.env[name] = value;
  }

  it('with encryption on, finds none of 20 canaries in history, logs, errors or artifact metadata', async () => {
    const planted = canaries(20, 'scancanary');
    const names = new Map(planted.map((canary, i) => [canary, `canary ${i}`]));
    const config = loadConfig({ ...process.env, MLOPS_ENCRYPTION_KEY_FILE: keyFile });
    const dataConverter = createDataConverter(config)!;
    const home = join(dir, 'home');
    const logFile = join(dir, 'logs', 'mlops.log');
    await mkdir(join(dir, 'logs'), { recursive: true });
    const logStream = createWriteStream(logFile);
    const logger = createLogger('debug', 'secret-scan', { destination: logStream });
    const errors: Record<string, string> = {};

    // Canaries 0-5: secrets a pipeline spec names (4 environment variables, 2 files); only the trainer reads them.
    // checkpointEvery: 1 makes the training activity heartbeat checkpoint paths (under this test's folder).
    const params: Record<string, unknown> = { maxEpochs: 2, checkpointEvery: 1 };
    for (let i = 0; i < 4; i++) {
      setEnv(`MLOPS_SCAN_SECRET_${i}`, planted[i]);
      params[`hubToken${i}`] = { env: `MLOPS_SCAN_SECRET_${i}` };
    }
    for (let i = 4; i < 6; i++) {
      const file = join(dir, 'secrets', `secret-${i}`);
      await mkdir(join(dir, 'secrets'), { recursive: true });
      await writeFile(file, `${planted[i]}\n`, { mode: 0o600 });
      params[`dbPassword${i}`] = { file };
    }
    const proof = join(dir, 'trainer-proof');
    setEnv('SECRET_TRAINER_PROOF', proof);
    const train = join(dir, 'data', 'train.parquet');
    const valid = join(dir, 'data', 'valid.parquet');
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeTable(generateTable({ rows: 2000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 600, seed: 2 }), valid);
    const model = unique('scan');
    const spec = parsePipelineSpec(
      {
        model,
        datasets: { train, valid },
        label: 'label',
        trainer: { command: `cmd:node ${SECRET_TRAINER}`, params, seed: 1 },
        gates: { metrics: { accuracy: { min: 0.55 } } },
      },
      'secret-scan spec',
    );

    stack = await startLifecycleStack(home, {}, { dataConverter });
    const { env, gw, queues } = stack;
    const lifecycle = await env.client.workflow.start<typeof mlLifecycleWorkflow>('mlLifecycleWorkflow', {
      taskQueue: queues.control,
      workflowId: `lifecycle:${model}`,
      args: [
        {
          spec: {
            ...spec,
            rollout: { steps: [100], bakeSeconds: 1, minRequests: 1, maxWaitSeconds: 1, gateways: [gw.url] },
          },
          queues,
          once: true,
        },
      ],
    });
    const status = await lifecycle.result();
    expect(status.lastOutcome).toEqual(expect.objectContaining({ outcome: 'promoted', version: 1 }));
    // The trainer got every secret, from its own host, without any of them crossing Temporal.
    const expected = createHash('sha256');
    for (const secret of planted.slice(0, 6)) expected.update(secret);
    expect(await readFile(proof, 'utf8')).toBe(expected.digest('hex'));

    // Canaries 6-13: every payload channel; the authorised client still reads the failure message decoded.
    const flow = flowCanaries(planted.slice(6, 14));
    const failure = await runFlow(env.nativeConnection, env.client, flow, dataConverter);
    const cause = failure.cause as Error;
    expect(cause.message).toContain(flow.workflowFailure);
    errors['decoded failure, as the authorised client sees it (not scanned)'] = cause.message;

    // Canaries 14-16: secret fields in log objects are redacted.
    logger.info({ token: planted[14], headers: { authorization: `Bearer ${planted[15]}` } }, 'request');
    logger.warn({ db: { password: planted[16] } }, 'connecting');

    // Canary 17: the codec server's token, sent right and wrong; canary 18: a wrong token's value.
    const codec = await startCodecServer({
      codec: createEncryptionCodec(config)!,
      token: planted[17],
      uiOrigins: ['http://127.0.0.1:1'],
      port: 0,
      logger,
    });
    try {
      const body = JSON.stringify({ payloads: [] });
      const ok = await fetch(`${codec.url}/decode`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${planted[17]}`, 'Content-Type': 'application/json' },
        body,
      });
      expect(ok.status).toBe(200);
      const refused = await fetch(`${codec.url}/decode`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${planted[18]}` },
        body,
      });
      expect(refused.status).toBe(401);
      errors['codec server 401 body'] = await refused.text();
    } finally {
      await codec.close();
    }

    // Canary 19: a key file whose line is a secret-looking non-key: the CLI refuses it in one line without it.
    const badKeys = join(dir, 'keys', 'bad.keys');
    await writeFile(badKeys, `${planted[19]}\n`);
    const cli = spawnSync(process.execPath, [MLOPS_BIN, 'codec-server', '--port', '0'], {
      env: { ...process.env, MLOPS_ENCRYPTION_KEY_FILE: badKeys, MLOPS_HOME: home },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/bad\.keys line 1 is not base64/);
    errors['mlops codec-server stderr'] = cli.stderr + cli.stdout;

    await new Promise<void>((resolveEnd) => logStream.end(resolveEnd));
    const logText = await readFile(logFile, 'utf8');
    expect(logText).toContain('[redacted]');
    const db = await temporalDbFiles();
    expect(db.length).toBeGreaterThan(0);
    const scanned = { ...errors };
    delete scanned['decoded failure, as the authorised client sees it (not scanned)'];
    const hits = [
      ...(await scanFiles(db, planted)),
      ...(await scanFiles([logFile], planted)),
      ...scanTexts(scanned, planted),
      ...(await scanFiles(await filesUnder(home), planted)),
    ];
    expect(describeHits(hits, names)).toEqual([]);
    // Nor any path under this test's folder: dataset paths, run folders and the checkpoints the training activity
    // heartbeats are all payloads, so the database holds none of them in plaintext.
    expect(await readdir(join(home, 'runs'), { recursive: true })).toEqual(
      expect.arrayContaining([expect.stringMatching(/checkpoints/)]),
    );
    expect(describeHits(await scanFiles(db, [dir]), new Map([[dir, 'the test folder path']]))).toEqual([]);
  });

  it('without encryption, the same scan finds the payload canaries in the database (the scan can fail)', async () => {
    const planted = canaries(8, 'plaincanary');
    const flow = flowCanaries(planted);
    if (!stack) stack = await startLifecycleStack(join(dir, 'plain-home'));
    const plainClient = new Client({
      connection: stack.env.client.connection,
      namespace: loadConfig().namespace,
    });
    await runFlow(stack.env.nativeConnection, plainClient, flow);
    const found = new Set((await scanFiles(await temporalDbFiles(), planted)).map((hit) => hit.canary));
    const missing = Object.entries(flow).filter(([, canary]) => !found.has(canary));
    expect(missing.map(([channel]) => channel)).toEqual([]);
  });
});
