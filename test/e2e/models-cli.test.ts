/** `mlops model evaluate`, `mlops models …` and `mlops report kpi` as a user runs them: JSON keys and exit codes. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnTestProcess } from '../helpers/processes';
import { tempDir } from '../helpers/temporal';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');
const fixtures = join(__dirname, '..', 'fixtures', 'evaluation');

describe('mlops model / models / report', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    env = { ...process.env, MLOPS_HOME: join(dir, 'home') };
  });
  afterAll(() => cleanup());

  async function mlops(args: string[]) {
    const p = spawnTestProcess(process.execPath, [MLOPS, ...args], env);
    const code = await p.exited;
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  }

  it('evaluates with the documented JSON keys and fails gates with exit 1', async () => {
    const model = join(fixtures, 'binary', 'model.onnx');
    const data = join(fixtures, 'binary', 'data.parquet');
    const ok = await mlops(['model', 'evaluate', model, '--data', data, '--label', 'churn', '--json']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.rows).toBe(600);
    expect(report.metrics).toEqual(
      expect.objectContaining({
        accuracy: expect.any(Number),
        rocAuc: expect.any(Number),
        f1: expect.any(Number),
        logLoss: expect.any(Number),
      }),
    );
    expect(report.latencyMs).toEqual(expect.objectContaining({ p50: expect.any(Number), p99: expect.any(Number) }));
    const gates = join(dir, 'gates.json');
    await writeFile(gates, JSON.stringify({ metrics: { accuracy: { min: 0.99 } } }));
    const failed = await mlops(['model', 'evaluate', model, '--data', data, '--label', 'churn', '--gates', gates]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/gates: FAILED\n\s+accuracy 0\.69\d* < 0\.99/);
    const regression = await mlops([
      'model',
      'evaluate',
      join(fixtures, 'regression', 'model.onnx'),
      '--data',
      join(fixtures, 'regression', 'data.parquet'),
      '--label',
      'y',
      '--json',
    ]);
    expect(Object.keys(JSON.parse(regression.stdout).metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
  });

  it('gives one-line errors with exit 2 for a malformed model and a missing label', async () => {
    const data = join(fixtures, 'binary', 'data.parquet');
    const malformed = await mlops([
      'model',
      'evaluate',
      join(fixtures, 'malformed', 'model.onnx'),
      '--data',
      data,
      '--label',
      'churn',
    ]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr.trim().split('\n')).toHaveLength(1);
    expect(malformed.stderr).toMatch(/^mlops: ModelInvalid: /);
    const noLabel = await mlops([
      'model',
      'evaluate',
      join(fixtures, 'binary', 'model.onnx'),
      '--data',
      data,
      '--label',
      'x',
    ]);
    expect([noLabel.code, noLabel.stderr.trim()]).toEqual([
      2,
      expect.stringMatching(/^mlops: LabelNotFound: .* has no label column x$/),
    ]);
    const register = await mlops([
      'models',
      'register',
      'broken',
      '--model',
      join(fixtures, 'malformed', 'model.onnx'),
    ]);
    expect(register.code).toBe(2);
    const list = await mlops(['models', 'list', '--json']);
    expect(JSON.parse(list.stdout).models.map((m: { name: string }) => m.name)).not.toContain('broken');
  });

  it('registers, lists, shows, promotes, rolls back, archives and traces lineage', async () => {
    const report = join(dir, 'eval.json');
    const model = join(fixtures, 'binary', 'model.onnx');
    const data = join(fixtures, 'binary', 'data.parquet');
    expect(
      (await mlops(['model', 'evaluate', model, '--data', data, '--label', 'churn', '--report-out', report])).code,
    ).toBe(0);
    const first = await mlops([
      'models',
      'register',
      'churn',
      '--model',
      model,
      '--metrics-from',
      report,
      '--dataset',
      `eval=${data}`,
      '--json',
    ]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual(expect.objectContaining({ name: 'churn', version: 1 }));
    const again = await mlops(['models', 'register', 'churn', '--model', model, '--json']);
    expect(JSON.parse(again.stdout).version).toBe(1);
    const other = join(fixtures, 'binary-nozipmap', 'model.onnx');
    const second = await mlops(['models', 'register', 'churn', '--model', other, '--parent', '1', '--json']);
    expect(JSON.parse(second.stdout).version).toBe(2);

    expect((await mlops(['models', 'promote', 'churn@1'])).code).toBe(0);
    const promoted = await mlops(['models', 'promote', 'churn@2', '--json']);
    expect(JSON.parse(promoted.stdout)).toEqual(expect.objectContaining({ champion: 2, previousChampion: 1 }));
    const shown = JSON.parse((await mlops(['models', 'show', 'churn@champion', '--json'])).stdout);
    expect([shown.version, shown.aliases]).toEqual([2, ['champion']]);
    const table = await mlops(['models', 'list']);
    expect(table.stdout).toMatch(/churn\s+2\s+2\s+2\s+0/);

    const rolled = JSON.parse((await mlops(['models', 'rollback', 'churn', '--json'])).stdout);
    expect([rolled.champion, rolled.previousChampion]).toEqual([1, 2]);
    const refused = await mlops(['models', 'archive', 'churn@1']);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/^mlops: RegistryConflict: /)]);
    expect((await mlops(['models', 'archive', 'churn@2'])).code).toBe(0);

    const lineage = JSON.parse((await mlops(['models', 'lineage', 'churn@2', '--json'])).stdout);
    expect(lineage.parents.map((p: { version: number }) => p.version)).toEqual([1]);
    const firstLineage = JSON.parse((await mlops(['models', 'lineage', 'churn@1', '--json'])).stdout);
    expect(firstLineage.lineage.datasets[0]).toEqual(
      expect.objectContaining({ role: 'eval', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    );
    expect(firstLineage.lineage.evaluation.sha256).toMatch(/^[0-9a-f]{64}$/);

    const kpi = JSON.parse((await mlops(['report', 'kpi', '--model', 'churn', '--json'])).stdout);
    expect(kpi.deploymentVelocity.deployments).toBe(2);
    expect(kpi.cloudEfficiency.value).toBeNull();
    const bad = await mlops(['models', 'show', '../../etc@1']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/^mlops: InvalidName: /)]);
  });
});
