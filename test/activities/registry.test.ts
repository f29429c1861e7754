import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { evaluateModel } from '../../activities/evaluation';
import {
  archiveModelVersion,
  getChampion,
  registerModelVersion,
  registryContext,
  setModelAlias,
} from '../../activities/registry';
import { ErrorType } from '../../workflows/contracts';
import type { EvaluateModelResult, GetChampionResult, RegisterModelVersionResult } from '../../workflows/contracts';
import { failureOf } from '../helpers/failures';
import { tempDir } from '../helpers/temporal';

const fixtures = join(__dirname, '..', 'fixtures', 'evaluation');
const binaryModel = join(fixtures, 'binary', 'model.onnx');
const binaryData = join(fixtures, 'binary', 'data.parquet');

function activityEnv(activityId = '1', workflowId = 'development:churn:run1'): MockActivityEnvironment {
  return new MockActivityEnvironment({
    activityId,
    workflowExecution: { workflowId, runId: '00000000-0000-4000-8000-000000000001' },
  });
}

describe('registry and evaluation activities', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const previousHome = process.env.MLOPS_HOME;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    process.env.MLOPS_HOME = join(dir, 'home');
  });
  afterAll(async () => {
    process.env.MLOPS_HOME = previousHome;
    await cleanup();
  });

  it('registers a version with lineage once, however often the activity is retried', async () => {
    const input = {
      model: 'churn',
      modelPath: binaryModel,
      metrics: { accuracy: 0.7 },
      datasets: [{ role: 'train' as const, uri: binaryData, sha256: 'a'.repeat(64) }],
      trainer: { command: 'builtin:mlp', params: { hidden: [8] }, seed: 1 },
    };
    const first = (await activityEnv().run(registerModelVersion, input)) as RegisterModelVersionResult;
    const retried = await activityEnv().run(registerModelVersion, input);
    expect(retried).toEqual(first);
    expect(first.version).toBe(1);
    const second = (await activityEnv('2').run(registerModelVersion, input)) as RegisterModelVersionResult;
    expect(second.version).toBe(2);
    const { registry } = registryContext();
    expect((await registry.listVersions('churn')).map((v) => v.version)).toEqual([1, 2]);
    const lineage = await registry.lineage('churn', '1');
    expect(lineage.lineage.workflowId).toBe('development:churn:run1');
    expect(lineage.lineage.trainer?.command).toBe('builtin:mlp');
  });

  it('refuses a malformed model non-retryably and registers nothing', async () => {
    const malformed = join(dir, 'broken.onnx');
    await copyFile(join(fixtures, 'malformed', 'model.onnx'), malformed);
    const failure = await failureOf(
      activityEnv('9', 'development:broken:run').run(registerModelVersion, { model: 'broken', modelPath: malformed }),
      ApplicationFailure,
    );
    expect(failure.type).toBe(ErrorType.ModelInvalid);
    expect(failure.nonRetryable).toBe(true);
    const { registry } = registryContext();
    expect((await registry.listModels()).map((m) => m.name)).not.toContain('broken');
  });

  it('promotes through setModelAlias, reads the champion, and refuses to archive it', async () => {
    expect(await activityEnv().run(getChampion, { model: 'churn' })).toEqual({ model: 'churn' });
    await activityEnv().run(setModelAlias, { model: 'churn', alias: 'champion', version: 1 });
    await activityEnv().run(setModelAlias, { model: 'churn', alias: 'champion', version: 2 });
    const champion = (await activityEnv().run(getChampion, { model: 'churn' })) as GetChampionResult;
    expect(champion.version).toBe(2);
    expect(champion.metrics).toEqual({ accuracy: 0.7 });
    const { registry } = registryContext();
    expect((await registry.getVersion('churn', 'previous-champion')).version).toBe(1);
    const refused = await failureOf(
      activityEnv().run(archiveModelVersion, { model: 'churn', version: 2 }),
      ApplicationFailure,
    );
    expect(refused.type).toBe(ErrorType.RegistryConflict);
    expect(await activityEnv().run(archiveModelVersion, { model: 'churn', version: 1 })).toEqual({
      model: 'churn',
      version: 1,
      status: 'archived',
    });
    expect((await registry.lineage('churn', '1')).lineage.datasets).toHaveLength(1);
  });

  it('leaves exactly one champion after 10 concurrent promotions', async () => {
    const versions: RegisterModelVersionResult[] = [];
    for (let i = 0; i < 10; i++) {
      versions.push(
        (await activityEnv(`c${i}`, 'development:race:run').run(registerModelVersion, {
          model: 'race',
          modelPath: binaryModel,
        })) as RegisterModelVersionResult,
      );
    }
    await Promise.all(
      versions.map((v) => activityEnv().run(setModelAlias, { model: 'race', alias: 'champion', version: v.version })),
    );
    const { registry } = registryContext();
    const holders = (await registry.listVersions('race')).filter((v) => v.aliases.includes('champion'));
    expect(holders).toHaveLength(1);
    expect((await registry.events({ model: 'race' })).filter((e) => e.type === 'promoted')).toHaveLength(10);
  });

  it('evaluates a registry version and applies gates against the champion', async () => {
    const result = (await activityEnv().run(evaluateModel, {
      model: 'registry:churn@champion',
      dataset: binaryData,
      label: 'churn',
      gates: { metrics: { accuracy: { min: 0.9 } }, champion: { rocAuc: { maxRegression: 0 } } },
      championMetrics: { rocAuc: 0.7 },
      reportOut: join(dir, 'reports', 'eval.json'),
    })) as EvaluateModelResult;
    expect(result.rows).toBe(600);
    expect(result.gates?.passed).toBe(false);
    expect(result.gates?.reasons).toEqual([`accuracy ${result.metrics.accuracy} < 0.9`]);
    expect(result.reportPath).toBe(join(dir, 'reports', 'eval.json'));
  });

  it('fails evaluation non-retryably for a dataset without the label or a model that does not fit', async () => {
    const noLabel = await failureOf(
      activityEnv().run(evaluateModel, { model: binaryModel, dataset: binaryData, label: 'missing' }),
      ApplicationFailure,
    );
    expect([noLabel.type, noLabel.nonRetryable]).toEqual([ErrorType.LabelNotFound, true]);
    const mismatch = await failureOf(
      activityEnv().run(evaluateModel, {
        model: join(fixtures, 'regression', 'model.onnx'),
        dataset: binaryData,
        label: 'churn',
      }),
      ApplicationFailure,
    );
    expect([mismatch.type, mismatch.nonRetryable]).toEqual([ErrorType.ModelInputMismatch, true]);
    const unknown = await failureOf(
      activityEnv().run(evaluateModel, { model: 'registry:nope@champion', dataset: binaryData, label: 'churn' }),
      ApplicationFailure,
    );
    expect(unknown.type).toBe(ErrorType.NotFound);
  });
});
