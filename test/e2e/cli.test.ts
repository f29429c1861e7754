/** The `mlops` CLI as a user drives it: usage errors, a missing toolchain, workers, and `mlops up`. */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isListening, freePort } from '../../lib/temporal/ports';
import { spawnTestProcess } from '../helpers/processes';
import { freeStackPorts, tempDir, testConfig, unique } from '../helpers/temporal';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');
const SAMPLE = join(__dirname, '..', '..', 'examples', 'data', 'churn-sample.csv');

function mlops(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnTestProcess(process.execPath, [MLOPS, ...args], env);
}

async function run(args: string[], env?: NodeJS.ProcessEnv) {
  const p = mlops(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('mlops usage', () => {
  it('prints its version and help', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['up', 'demo', 'server', 'worker', 'data']) expect(help.stdout).toContain(command);
  });

  it('exits 2 on bad usage', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['data', 'check'])).code).toBe(2);
    const badQueue = await run(['worker', '--queue', 'tpu']);
    expect(badQueue.code).toBe(2);
    expect(badQueue.stderr).toBe("mlops: unknown queue 'tpu': use one of control, data, gpu\n");
  });

  it('says in one line how to get a server when there is no server, no temporal CLI and no Go', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const emptyPath = join(dir, 'bin');
      await mkdir(emptyPath);
      await symlink(process.execPath, join(emptyPath, 'node'));
      const env = {
        HOME: dir,
        PATH: emptyPath,
        MLOPS_HOME: join(dir, 'home'),
        MLOPS_CACHE_DIR: join(dir, 'cache'),
        TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      };
      const result = await run(['server', '--no-ui'], env);
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^mlops: no Temporal server available: .*TEMPORAL_ADDRESS.*temporal.*install Go/);
      const check = await run(['data', 'check', SAMPLE], env);
      expect(check.code).toBe(2);
      expect(check.stderr).toMatch(/^mlops: no Temporal server answers at 127\.0\.0\.1:\d+: start one with `mlops up`/);
    } finally {
      await cleanup();
    }
  });
});

describe('mlops worker', () => {
  it('polls its queue and shuts down cleanly on SIGTERM', async () => {
    const config = testConfig();
    const worker = mlops(['worker', '--queue', 'data', '--task-queue', unique('data')], {
      ...process.env,
      TEMPORAL_ADDRESS: config.temporalAddress,
    });
    await worker.waitFor(/"msg":"worker ready"/, 60000, 'stderr');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});

describe('mlops up on the embedded default', () => {
  it('brings up server, Web UI and workers, runs a dataset check, and stops cleanly on Ctrl-C', async () => {
    const { dir, cleanup } = await tempDir();
    const {
      port,
      uiPort,
      extra: [gatewayPort],
    } = await freeStackPorts(1);
    const env = {
      ...process.env,
      MLOPS_HOME: join(dir, 'home'),
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      MLOPS_UI_PORT: String(uiPort),
      MLOPS_TEMPORAL_HTTP_PORT: String(port + 10),
      MLOPS_GATEWAY_PORT: String(gatewayPort),
    };
    const up = mlops(['up'], env);
    try {
      await up.waitFor(/mlops is ready/, 120000, 'stderr');
      expect(up.stdout()).toContain(`Temporal gRPC    127.0.0.1:${port}`);
      expect(up.stdout()).toContain(`Temporal Web UI  http://127.0.0.1:${uiPort}`);
      const gateway = `http://127.0.0.1:${env.MLOPS_GATEWAY_PORT}`;
      expect(up.stdout()).toContain(`gateway          ${gateway}`);
      expect((await fetch(`${gateway}/v2/health/ready`)).status).toBe(200);

      const check = await run(['data', 'check', SAMPLE, '--model', 'churn', '--json'], env);
      expect(check.code).toBe(0);
      const result = JSON.parse(check.stdout);
      expect(result).toMatchObject({ rows: 500, columns: 8, format: 'csv' });
      expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(result.workflowId).toMatch(/^dataset-check:/);

      const missing = await run(['data', 'check', join(dir, 'missing.csv')], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^mlops: DatasetNotFound: dataset not found: .*missing\.csv\n$/);

      // A training through the CLI on the stack's GPU worker (CPU here), with the documented JSON keys.
      const train = join(dir, 'train.parquet');
      const valid = join(dir, 'valid.parquet');
      expect((await run(['data', 'generate', '--rows', '3000', '--seed', '1', '--out', train], env)).code).toBe(0);
      expect((await run(['data', 'generate', '--rows', '800', '--seed', '2', '--out', valid], env)).code).toBe(0);
      const trained = await run(
        [
          'train',
          '--trainer',
          'builtin:logreg',
          '--train',
          train,
          '--valid',
          valid,
          '--label',
          'label',
          '--model',
          'churn',
          '--params',
          '{"maxEpochs":2}',
          '--wait',
          '--json',
        ],
        env,
      );
      expect(trained.code).toBe(0);
      const summary = JSON.parse(trained.stdout);
      for (const key of [
        'workflowId',
        'modelPath',
        'metrics',
        'steps',
        'gpuSeconds',
        'costEstimate',
        'preemptions',
        'lostSteps',
      ]) {
        expect(summary).toHaveProperty(key);
      }
      expect(summary.workflowId).toMatch(/^training:churn:/);
      const badTrainer = await run(
        ['train', '--trainer', 'gpu:magic', '--train', train, '--valid', valid, '--label', 'label'],
        env,
      );
      expect(badTrainer.code).toBe(2);

      // Deploy a first version through the CLI: the stack's gateway serves it; a rollout without traffic aborts.
      const fixtures = join(__dirname, '..', 'fixtures', 'evaluation');
      for (const fixture of ['binary', 'binary-nozipmap']) {
        const registered = await run(
          ['models', 'register', 'churn', '--model', join(fixtures, fixture, 'model.onnx'), '--json'],
          env,
        );
        expect(registered.code).toBe(0);
      }
      expect((await run(['deploy', 'churn@1'], env)).code).toBe(0);
      expect((await run(['deploy', 'churn@2'], env)).stderr).toMatch(
        /^mlops: churn already has champion 1: use mlops rollout start/,
      );
      const instance = { age: 40, income: 52000, tenure: 12, plan: 'pro' };
      let answeredBy: string | null = null;
      // The gateway preflights and loads the version first: allow a minute on a busy machine.
      for (const deadline = Date.now() + 60_000; answeredBy !== '1' && Date.now() < deadline;) {
        const reply = await fetch(`${gateway}/v1/models/churn:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ instances: [instance] }),
        });
        answeredBy = reply.headers.get('x-model-version');
        if (answeredBy !== '1') await new Promise((r) => setTimeout(r, 200));
      }
      expect(answeredBy).toBe('1');
      const idle = await run(
        ['rollout', 'start', 'churn@2', '--steps', '50,100', '--bake', '1s', '--max-wait', '1s', '--wait', '--json'],
        env,
      );
      expect(idle.code).toBe(1);
      expect(JSON.parse(idle.stdout)).toEqual(expect.objectContaining({ outcome: 'aborted', stable: 1 }));
      const status = JSON.parse((await run(['rollout', 'status', 'churn', '--json'], env)).stdout);
      expect(status.state).toBe('aborted');

      // A whole lifecycle from a pipeline spec through the CLI, then a retraining schedule for it.
      const spec = join(dir, 'pipe.yaml');
      await writeFile(
        spec,
        [
          'model: clipipe',
          `datasets: { train: ${train}, valid: ${valid} }`,
          'label: label',
          'trainer: { command: "builtin:logreg", params: { maxEpochs: 2 } }',
          'gates: { metrics: { accuracy: { min: 0.5 } } }',
        ].join('\n'),
      );
      const piped = await run(['pipeline', 'run', spec, '--once', '--wait', '--json'], env);
      expect(piped.code).toBe(0);
      expect(JSON.parse(piped.stdout)).toEqual(
        expect.objectContaining({
          model: 'clipipe',
          champion: 1,
          lastOutcome: expect.objectContaining({ outcome: 'promoted' }),
        }),
      );
      const pipeStatus = JSON.parse((await run(['pipeline', 'status', 'clipipe', '--json'], env)).stdout);
      expect(pipeStatus.kpis.promotions).toBe(1);
      expect((await run(['schedule', 'create', spec, '--cron', '0 3 * * *'], env)).code).toBe(0);
      const schedules = JSON.parse((await run(['schedule', 'list', '--json'], env)).stdout);
      expect(schedules.schedules).toEqual([
        expect.objectContaining({ model: 'clipipe', cron: '0 3 * * *', paused: false }),
      ]);
      expect((await run(['schedule', 'pause', 'clipipe'], env)).code).toBe(0);
      expect((await run(['schedule', 'delete', 'clipipe'], env)).code).toBe(0);
      const badSpec = await run(['pipeline', 'run', join(dir, 'missing.yaml')], env);
      expect([badSpec.code, badSpec.stderr.trim().split('\n').length]).toEqual([2, 1]);

      // The Web UI serves its page and lists the completed workflow with its MlStage attribute.
      const page = await fetch(`http://127.0.0.1:${uiPort}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const query = encodeURIComponent(`WorkflowId="${result.workflowId}"`);
      const listed = await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces/default/workflows?query=${query}`);
      const body = (await listed.json()) as {
        executions: {
          type: { name: string };
          status: string;
          searchAttributes: { indexedFields: Record<string, { data: string }> };
        }[];
      };
      expect(body.executions).toHaveLength(1);
      const [execution] = body.executions;
      expect(execution.type.name).toBe('datasetCheckWorkflow');
      expect(execution.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
      const stage = Buffer.from(execution.searchAttributes.indexedFields.MlStage.data, 'base64').toString('utf8');
      expect(JSON.parse(stage)).toBe('experimentation');
    } finally {
      up.child.kill('SIGINT');
      const code = await up.exited;
      await cleanup();
      // On a failure, the stack's own account of it (a port taken, a process that died) is the useful part.
      if (code !== 0) throw new Error(`mlops up exited ${code}; its stderr ends:\n${up.stderr().slice(-3000)}`);
    }
    expect(up.stderr()).toContain('stopped');
    expect(await isListening('127.0.0.1', port)).toBe(false);
    expect(await isListening('127.0.0.1', uiPort)).toBe(false);
  });
});
