/**
 * trainingWorkflow on the real server with real GPU-worker processes (`mlops worker --queue gpu`): a
 * normal run, a SIGKILLed worker, a SIGTERM (spot notice), and slot/device allocation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import type { trainingWorkflow } from '../../workflows';
import type { TrainingInput } from '../../workflows/contracts';
import { spawnTestProcess } from '../helpers/processes';
import type { TestProcess } from '../helpers/processes';
import { tempDir, testConfig, unique } from '../helpers/temporal';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');
const SLEEPY = join(__dirname, '..', 'fixtures', 'trainers', 'sleepy-trainer.js');

describe('trainingWorkflow', () => {
  let env: TestWorkflowEnvironment;
  let control: Worker;
  let running: Promise<void>;
  let dir: string;
  let cleanup: () => Promise<void>;
  let train: string;
  let valid: string;
  const controlQueue = unique('control');
  const gpuWorkers: TestProcess[] = [];

  function startGpuWorker(taskQueue: string, extraEnv: Record<string, string> = {}): TestProcess {
    const worker = spawnTestProcess(process.execPath, [MLOPS, 'worker', '--queue', 'gpu', '--task-queue', taskQueue], {
      ...process.env,
      TEMPORAL_ADDRESS: testConfig().temporalAddress,
      MLOPS_HOME: join(dir, 'home'),
      ...extraEnv,
    });
    gpuWorkers.push(worker);
    return worker;
  }

  function trainers(): number[] {
    try {
      return execFileSync('pgrep', ['-f', 'trainer builtin mlp'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }

  async function waitFor<T>(probe: () => T | undefined, timeoutMs = 60000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const start = (gpuQueue: string, overrides: Partial<TrainingInput> = {}) => {
    const workflowId = unique('training-test');
    return env.client.workflow.start<typeof trainingWorkflow>('trainingWorkflow', {
      taskQueue: controlQueue,
      workflowId,
      args: [
        {
          model: 'churn',
          trainer: 'builtin:mlp',
          train,
          valid,
          label: 'label',
          params: { maxEpochs: 40, patience: 40, checkpointEvery: 20, batchSize: 128 },
          heartbeatTimeoutSeconds: 5,
          queues: { gpu: gpuQueue },
          ...overrides,
        },
      ],
    });
  };
  const checkpointsOf = (workflowId: string) => {
    const folder = join(dir, 'home', 'runs', workflowId.replace(/[^A-Za-z0-9_.-]/g, '_'), 'checkpoints');
    return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.json')) : [];
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    train = join(dir, 'train.parquet');
    valid = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 6000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 1500, seed: 2 }), valid);
    const config = testConfig();
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporalAddress,
      namespace: config.namespace,
    });
    control = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: controlQueue,
      workflowsPath: WORKFLOWS_PATH,
    });
    running = control.run();
  });

  afterAll(async () => {
    for (const w of gpuWorkers) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
    control.shutdown();
    await running;
    await env.teardown();
    await cleanup();
  });

  it('trains a model whose ONNX file loads and scores, with its counters', async () => {
    const gpuQueue = unique('gpu');
    const worker = startGpuWorker(gpuQueue);
    await worker.waitFor(/"msg":"worker ready"/, 60000, 'stderr');
    const handle = await start(gpuQueue, { params: { maxEpochs: 3, checkpointEvery: 20 } });
    const result = await handle.result();
    expect(result).toMatchObject({ preemptions: 0, lostSteps: 0, devices: [], deviceSeconds: 0, costEstimate: 0 });
    expect(result.steps).toBeGreaterThan(0);
    expect(result.metrics.accuracy).toBeGreaterThan(0.7);
    expect(result.wallSeconds).toBeGreaterThan(0);
    const session = await ort.InferenceSession.create(result.modelPath);
    expect(session.outputNames).toEqual(['label', 'probabilities']);
  });

  it('finishes on a second worker after the first is killed with SIGKILL, losing at most one checkpoint interval', async () => {
    const gpuQueue = unique('gpu');
    const first = startGpuWorker(gpuQueue);
    await first.waitFor(/"msg":"worker ready"/, 60000, 'stderr');
    const handle = await start(gpuQueue);
    await waitFor(() => checkpointsOf(handle.workflowId).length >= 2 || undefined);
    first.child.kill('SIGKILL');
    await first.exited;
    // The orphaned trainer notices its closed stdin and stops by itself.
    await waitFor(() => (trainers().length === 0 ? true : undefined), 10000);
    startGpuWorker(gpuQueue);
    const result = await handle.result();
    expect(result.lostSteps).toBeLessThanOrEqual(20);
    expect(result.preemptions).toBe(0);
    expect(existsSync(result.modelPath)).toBe(true);
    const history = await handle.fetchHistory();
    const attempts = history.events
      ?.filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts).toEqual([2]);
  });

  it('checkpoints at once on SIGTERM (spot notice), loses no steps, and resumes on another worker', async () => {
    const gpuQueue = unique('gpu');
    const first = startGpuWorker(gpuQueue);
    await first.waitFor(/"msg":"worker ready"/, 60000, 'stderr');
    const handle = await start(gpuQueue);
    await waitFor(() => checkpointsOf(handle.workflowId).length >= 1 || undefined);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    startGpuWorker(gpuQueue);
    const result = await handle.result();
    expect(result.preemptions).toBe(1);
    expect(result.lostSteps).toBe(0);
    expect(existsSync(result.modelPath)).toBe(true);
  });

  it('runs at most one training per slot, each on its own device', async () => {
    const gpuQueue = unique('gpu');
    const log = join(dir, 'sleepy.log');
    const worker = startGpuWorker(gpuQueue, { MLOPS_GPUS: '0,1', SLEEPY_LOG: log, SLEEPY_MS: '1500' });
    await worker.waitFor(/"msg":"worker ready"/, 60000, 'stderr');
    const handles = await Promise.all(
      [1, 2, 3].map(() => start(gpuQueue, { trainer: `cmd:${process.execPath} ${SLEEPY}` })),
    );
    const results = await Promise.all(handles.map((h) => h.result()));
    expect(results.map((r) => r.devices.length)).toEqual([1, 1, 1]);
    const runs = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { device: string; start: number; end: number });
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      const overlapping = runs.filter((o) => o.start < run.end && run.start < o.end);
      expect(overlapping.length).toBeLessThanOrEqual(2);
      expect(new Set(overlapping.map((o) => o.device)).size).toBe(overlapping.length);
    }
    expect(results.every((r) => r.deviceSeconds > 0)).toBe(true);
  });
});
