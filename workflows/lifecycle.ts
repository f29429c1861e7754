/**
 * `mlLifecycleWorkflow`: one per model (`lifecycle:<model>`). Each attempt runs experimentation (validate,
 * profile, train or tune), development (evaluate against gates and the champion, register with lineage)
 * and operations (first deployment or a canary rollout); between attempts it waits for retraining
 * triggers from the drift monitor, schedules or people, and continues-as-new before its history grows.
 */
import {
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { controlLight, dataScan, evaluation } from './activity-options';
import { MlModelKey, MlModelVersionKey, MlStageKey, Stage, TaskQueue } from './contracts';
import type { LifecycleInput, LifecycleState, LifecycleStatus } from './contracts';
import { lifecycleStatusQuery, retrainSignal } from './lifecycle-contracts';
import type { RetrainRequest } from './lifecycle-contracts';
import { runAttempt } from './lifecycle-attempt';
import type { AttemptActivities } from './lifecycle-attempt';
import { admitRetraining, DEFAULT_RETRAINING_LIMITS, pruneStarts } from './policy/retraining';
import { ensureMonitor } from './lifecycle-monitor';

/** Events kept in one run's history before continuing as new (well under Temporal's limits). */
const HISTORY_EVENTS_BEFORE_CONTINUE = 5000;

function initialState(): LifecycleState {
  return {
    stage: 'experimentation',
    step: 'starting',
    attempt: 0,
    retrainStarts: [],
    ignoredTriggers: 0,
    kpis: {
      attempts: 0,
      promotions: 0,
      rejections: 0,
      rollbacks: 0,
      retrainings: 0,
      deviceSeconds: 0,
      costEstimate: 0,
    },
    monitorStarted: false,
  };
}

/** Runs a model's lifecycle; returns its status when `once` is set (otherwise it runs until cancelled). */
export async function mlLifecycleWorkflow(input: LifecycleInput): Promise<LifecycleStatus> {
  const { spec } = input;
  const state: LifecycleState = input.state ?? initialState();
  const control = input.queues?.control ?? TaskQueue.control;
  const acts: AttemptActivities = {
    data: proxyActivities<typeof activities>({ ...dataScan, taskQueue: input.queues?.data ?? TaskQueue.data }),
    evaluation: proxyActivities<typeof activities>({ ...evaluation, taskQueue: input.queues?.data ?? TaskQueue.data }),
    control: proxyActivities<typeof activities>({ ...controlLight, taskQueue: control }),
  };
  upsertSearchAttributes([{ key: MlModelKey, value: spec.model }]);
  if (state.champion !== undefined) upsertSearchAttributes([{ key: MlModelVersionKey, value: String(state.champion) }]);
  setHandler(lifecycleStatusQuery, () => ({ ...state, model: spec.model }));
  setHandler(retrainSignal, (request: RetrainRequest) => {
    if (request.check) state.lastDrift = request.check;
    if (state.pendingRetrain === undefined) state.pendingRetrain = request;
    else state.ignoredTriggers++;
  });

  if (!input.state) {
    await runAttempt({ spec, state, acts, queues: input.queues, reason: 'initial' });
    if (input.once) return { ...state, model: spec.model };
  }
  if (!state.monitorStarted) {
    state.monitorStarted = await ensureMonitor(spec, input.queues);
  }
  const limits = {
    cooldownSeconds: spec.retraining?.cooldownSeconds ?? DEFAULT_RETRAINING_LIMITS.cooldownSeconds,
    maxPerDay: spec.retraining?.maxPerDay ?? DEFAULT_RETRAINING_LIMITS.maxPerDay,
  };
  for (;;) {
    state.stage = 'monitoring';
    state.step = 'watching for drift and schedules';
    upsertSearchAttributes([{ key: MlStageKey, value: Stage.operations }]);
    await condition(() => state.pendingRetrain !== undefined, '1 hour');
    const request = state.pendingRetrain;
    if (request) {
      state.pendingRetrain = undefined;
      const now = Date.now();
      const admission = admitRetraining({ now, starts: state.retrainStarts, limits });
      if (!admission.admitted) {
        state.ignoredTriggers++;
        log.info('retraining trigger ignored', { model: spec.model, trigger: request.reason, why: admission.reason });
      } else {
        state.retrainStarts = pruneStarts([...state.retrainStarts, new Date(now).toISOString()], now);
        state.kpis.retrainings++;
        await runAttempt({ spec, state, acts, queues: input.queues, reason: request.reason, detail: request.detail });
        if (input.once) return { ...state, model: spec.model };
      }
    }
    const info = workflowInfo();
    const limit = input.maxHistoryEvents ?? HISTORY_EVENTS_BEFORE_CONTINUE;
    if (info.continueAsNewSuggested || info.historyLength > limit) {
      upsertMemo({ summary: `continued as new after ${state.attempt} attempts` });
      await continueAsNew<typeof mlLifecycleWorkflow>({ ...input, state });
    }
  }
}
