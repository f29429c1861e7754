/**
 * One lifecycle attempt: experimentation → development → operations. A failed training, a rejected gate
 * or a rolled-back canary ends the attempt with its reason recorded; the champion keeps serving.
 */
import {
  ActivityFailure,
  ChildWorkflowFailure,
  executeChild,
  log,
  patched,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityInterfaceFor } from '@temporalio/workflow';
import type * as activities from '../activities';
import {
  MlModelVersionKey,
  MlStageKey,
  rolloutWorkflowId,
  Stage,
  TaskQueue,
  trainingWorkflowId,
  tuningWorkflowId,
} from './contracts';
import type {
  EvaluateModelResult,
  LifecycleInput,
  LifecycleState,
  PipelineSpec,
  RolloutResult,
  TrainingResult,
  TuningResult,
} from './contracts';

/** The activity proxies an attempt uses. */
export interface AttemptActivities {
  data: ActivityInterfaceFor<typeof activities>;
  evaluation: ActivityInterfaceFor<typeof activities>;
  control: ActivityInterfaceFor<typeof activities>;
}

/** What an attempt needs. */
export interface AttemptContext {
  spec: PipelineSpec;
  state: LifecycleState;
  acts: AttemptActivities;
  queues: LifecycleInput['queues'];
  reason: string;
  detail?: string;
}

const seconds = (since: number) => (Date.now() - since) / 1000;

function failureReason(err: unknown): string {
  let current: unknown = err;
  while (current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) {
    if (!current.cause) break;
    current = current.cause;
  }
  return current instanceof Error ? current.message : String(current);
}

function enter(state: LifecycleState, stage: LifecycleState['stage'], step: string): void {
  state.stage = stage;
  state.step = step;
  const attribute = stage === 'monitoring' ? Stage.operations : Stage[stage];
  upsertSearchAttributes([{ key: MlStageKey, value: attribute }]);
}

function finish(ctx: AttemptContext, outcome: string, reason?: string, version?: number): void {
  ctx.state.currentWorkflow = undefined;
  ctx.state.lastOutcome = { attempt: ctx.state.attempt, outcome, reason, version };
  upsertMemo({
    summary: `attempt ${ctx.state.attempt} (${ctx.reason}): ${outcome}${reason ? ` - ${reason.slice(0, 200)}` : ''}`,
    champion: ctx.state.champion ?? null,
  });
  log.info('lifecycle attempt finished', { model: ctx.spec.model, attempt: ctx.state.attempt, outcome, reason });
}

async function train(ctx: AttemptContext, run: string): Promise<TrainingResult> {
  const { spec, queues } = ctx;
  const common = {
    model: spec.model,
    trainer: spec.trainer.command,
    train: spec.datasets.train,
    valid: spec.datasets.valid,
    label: spec.label,
    seed: spec.trainer.seed,
    heartbeatTimeoutSeconds: spec.trainer.heartbeatTimeoutSeconds,
    queues: { gpu: queues?.gpu },
  };
  const taskQueue = queues?.control ?? TaskQueue.control;
  if (!spec.search) {
    ctx.state.currentWorkflow = trainingWorkflowId(spec.model, run);
    return executeChild('trainingWorkflow', {
      workflowId: trainingWorkflowId(spec.model, run),
      taskQueue,
      args: [{ ...common, params: spec.trainer.params }],
    });
  }
  ctx.state.currentWorkflow = tuningWorkflowId(spec.model, run);
  const tuned: TuningResult = await executeChild('tuningWorkflow', {
    workflowId: tuningWorkflowId(spec.model, run),
    taskQueue,
    args: [{ ...common, ...spec.search }],
  });
  const best = tuned.best;
  if (!best.modelPath) throw new Error('the search finished without a trained model');
  const deviceSeconds = tuned.deviceSecondsSpent;
  return {
    modelPath: best.modelPath,
    metricsPath: '',
    metrics: best.metrics ?? {},
    steps: best.epochs,
    devices: [],
    costEstimate: 0,
    deviceSeconds,
    wallSeconds: 0,
    preemptions: 0,
    lostSteps: 0,
    checkpoint: best.checkpoint,
  };
}

/** Runs one attempt, recording its outcome in `state`. Never throws for outcomes a model can have. */
export async function runAttempt(ctx: AttemptContext): Promise<void> {
  const { spec, state, acts } = ctx;
  state.attempt++;
  state.kpis.attempts++;
  // The whole run id: its first 8 hex digits (UUIDv7 time) repeat for runs started within ~65 s.
  const runKey = patched('full-run-id-in-attempt-names')
    ? workflowInfo().firstExecutionRunId
    : workflowInfo().firstExecutionRunId.slice(0, 8);
  const run = `${runKey}-${state.attempt}`;
  const folder = `lifecycle/${spec.model}/${run}`;
  const timings: Record<string, number> = {};
  let trained: TrainingResult;
  let profilePath: string | undefined;
  let trainSha256: string;
  try {
    enter(state, 'experimentation', spec.contract ? 'validating the training data' : 'profiling the training data');
    const started = Date.now();
    if (spec.contract) {
      const checked = await acts.data.validateDataset({
        dataset: spec.datasets.train,
        contract: spec.contract,
        profileOut: `${folder}/profile.json`,
      });
      profilePath = checked.profilePath;
      trainSha256 = checked.sha256;
    } else {
      const profiled = await acts.data.profileDataset({ dataset: spec.datasets.train, out: `${folder}/profile.json` });
      profilePath = profiled.profilePath;
      trainSha256 = profiled.sha256;
    }
    timings.ingest = seconds(started);
    state.step = spec.search ? 'searching hyperparameters' : 'training';
    const trainStarted = Date.now();
    trained = await train(ctx, run);
    timings.train = seconds(trainStarted);
    state.kpis.deviceSeconds += trained.deviceSeconds;
    state.kpis.costEstimate += trained.costEstimate;
  } catch (err) {
    return finish(ctx, 'failed', `experimentation: ${failureReason(err)}`);
  }

  state.currentWorkflow = undefined;
  enter(state, 'development', 'evaluating');
  let evaluated: EvaluateModelResult;
  let champion: number | undefined;
  let version: number;
  try {
    const current = await acts.control.getChampion({ model: spec.model });
    champion = current.version;
    const evalStarted = Date.now();
    evaluated = await acts.evaluation.evaluateModel({
      model: trained.modelPath,
      dataset: spec.datasets.holdout ?? spec.datasets.valid,
      label: spec.label,
      gates: spec.gates ?? {},
      championMetrics: current.metrics,
      reportOut: `${folder}/evaluation.json`,
    });
    timings.evaluate = seconds(evalStarted);
    if (evaluated.gates && !evaluated.gates.passed) {
      state.kpis.rejections++;
      return finish(ctx, 'rejected', evaluated.gates.reasons.join('; '));
    }
    state.step = 'registering';
    const registered = await acts.control.registerModelVersion({
      model: spec.model,
      modelPath: trained.modelPath,
      metrics: evaluated.metrics,
      datasets: [
        { role: 'train', uri: spec.datasets.train, sha256: trainSha256 },
        { role: 'eval', uri: spec.datasets.holdout ?? spec.datasets.valid, sha256: evaluated.datasetSha256 },
      ],
      contractPath: spec.contract,
      profilePath,
      evaluationReportPath: evaluated.reportPath,
      trainer: { command: spec.trainer.command, params: spec.trainer.params, seed: spec.trainer.seed },
      parentVersion: champion,
      timings,
      training: {
        deviceSeconds: trained.deviceSeconds,
        wallSeconds: trained.wallSeconds,
        costEstimate: trained.costEstimate,
        preemptions: trained.preemptions,
      },
      tags: { trigger: ctx.reason },
    });
    version = registered.version;
    upsertSearchAttributes([{ key: MlModelVersionKey, value: String(version) }]);
  } catch (err) {
    return finish(ctx, 'rejected', `development: ${failureReason(err)}`);
  }

  enter(state, 'operations', champion === undefined ? 'deploying the first version' : 'canary rollout');
  const serveStarted = Date.now();
  try {
    if (champion === undefined) {
      await acts.control.setModelAlias({ model: spec.model, alias: 'champion', version, reason: 'first version' });
      await acts.control.setModelRoutes({
        model: spec.model,
        stable: version,
        canaryWeight: 0,
        reason: 'first version',
      });
    } else {
      state.currentWorkflow = rolloutWorkflowId(spec.model);
      const rollout: RolloutResult = await executeChild('canaryRolloutWorkflow', {
        workflowId: rolloutWorkflowId(spec.model),
        taskQueue: ctx.queues?.control ?? TaskQueue.control,
        args: [
          {
            model: spec.model,
            version,
            policy: spec.rollout,
            gateways: spec.rollout?.gateways,
            queues: { control: ctx.queues?.control },
          },
        ],
      });
      if (rollout.outcome !== 'promoted') {
        state.kpis.rollbacks++;
        return finish(ctx, rollout.outcome, rollout.reason, version);
      }
    }
  } catch (err) {
    state.kpis.rollbacks++;
    return finish(ctx, 'rolled-back', `operations: ${failureReason(err)}`, version);
  } finally {
    timings.serve = seconds(serveStarted);
    state.kpis.lastTimings = timings;
  }
  state.champion = version;
  state.kpis.promotions++;
  finish(ctx, 'promoted', undefined, version);
}
