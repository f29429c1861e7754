/**
 * `canaryRolloutWorkflow`: shifts traffic to a candidate step by step with durable bake timers, judges it
 * against the stable version on live figures at every step, and promotes it or rolls back by itself.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import { ErrorType, MlModelKey, MlModelVersionKey, MlStageKey, Stage, TaskQueue } from './contracts';
import { rolloutApprovalUpdate, rolloutRollbackSignal, rolloutStatusQuery } from './rollout-contracts';
import type { ApprovalInput, RolloutInput, RolloutResult, RolloutStatus } from './rollout-contracts';
import { canaryPolicyProblems, DEFAULT_CANARY_POLICY, judgeCanary } from './policy/canary';
import type { CanaryPolicy, VersionWindow } from './policy/canary';
import { controlLight, rolloutStatsOptions } from './activity-options';

const EMPTY: VersionWindow = { requests: 0, errors: 0, latencyMs: { p50: 0, p99: 0 } };

/** Rolls a candidate out as a canary; returns how it ended. */
export async function canaryRolloutWorkflow(input: RolloutInput): Promise<RolloutResult> {
  const policy: CanaryPolicy = { ...DEFAULT_CANARY_POLICY, ...input.policy };
  const problems = canaryPolicyProblems(policy);
  if (problems.length > 0)
    throw ApplicationFailure.nonRetryable(`rollout policy: ${problems.join('; ')}`, ErrorType.InvalidInput);
  const taskQueue = input.queues?.control ?? TaskQueue.control;
  const registry = proxyActivities<typeof activities>({ ...controlLight, taskQueue });
  const stats = proxyActivities<typeof activities>({ ...rolloutStatsOptions, taskQueue });
  upsertSearchAttributes([
    { key: MlStageKey, value: Stage.operations },
    { key: MlModelKey, value: input.model },
    { key: MlModelVersionKey, value: String(input.version) },
  ]);
  const status: RolloutStatus = {
    model: input.model,
    version: input.version,
    state: 'starting',
    percent: 0,
    steps: [],
  };
  let rollbackRequest: string | undefined;
  let approval: { approved: boolean; reason?: string } | undefined;
  setHandler(rolloutStatusQuery, () => status);
  setHandler(rolloutRollbackSignal, (request) => {
    rollbackRequest ??= request.reason ?? 'rollback requested';
  });
  setHandler(
    rolloutApprovalUpdate,
    (decision) => {
      approval = decision;
      return status;
    },
    {
      validator: (_decision: ApprovalInput) => {
        if (status.state !== 'awaiting-approval')
          throw new Error(`the rollout is ${status.state}, not awaiting approval`);
      },
    },
  );

  const champion = await registry.getChampion({ model: input.model });
  if (champion.version === undefined) {
    throw ApplicationFailure.nonRetryable(
      `${input.model} has no champion: deploy a first version with mlops deploy`,
      ErrorType.InvalidInput,
    );
  }
  if (champion.version === input.version) {
    throw ApplicationFailure.nonRetryable(
      `${input.model}@${input.version} is already the champion`,
      ErrorType.InvalidInput,
    );
  }
  const stable = champion.version;
  status.stable = stable;
  await registry.setModelAlias({ model: input.model, alias: 'canary', version: input.version });

  const end = async (outcome: RolloutResult['outcome'], reason: string): Promise<RolloutResult> => {
    await registry.setModelRoutes({ model: input.model, stable, canaryWeight: 0, reason });
    await registry.setModelAlias({ model: input.model, alias: 'canary', reason });
    status.state = outcome;
    status.percent = 0;
    status.reason = reason;
    log.info('rollout ended without promotion', { model: input.model, version: input.version, outcome, reason });
    return { ...status, outcome };
  };

  const since = Date.now();
  for (const percent of policy.steps) {
    if (percent === 100 && policy.requireApproval) {
      status.state = 'awaiting-approval';
      await condition(() => approval !== undefined || rollbackRequest !== undefined);
      if (rollbackRequest !== undefined) return end('rolled-back', rollbackRequest);
      if (!approval?.approved) return end('rejected', approval?.reason ?? 'promotion rejected');
    }
    await registry.setModelRoutes({
      model: input.model,
      stable,
      canary: input.version,
      canaryWeight: percent / 100,
      reason: `canary step ${percent}%`,
    });
    status.percent = percent;
    status.state = 'baking';
    const stepSince = Date.now();
    let waited = 0;
    for (let bake = policy.bakeSeconds; ; bake = policy.bakeSeconds / 2) {
      if (await condition(() => rollbackRequest !== undefined, bake * 1000))
        return end('rolled-back', rollbackRequest!);
      let window = { stable: EMPTY, canary: EMPTY, stepCanaryRequests: 0 };
      try {
        window = await stats.readRolloutStats({
          model: input.model,
          stable,
          canary: input.version,
          since,
          stepSince,
          gateways: input.gateways,
        });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        log.warn('gateway figures unavailable; counting the window as no traffic', {
          error: String(err.cause?.message),
        });
      }
      const verdict = judgeCanary({ policy, ...window, waitedSeconds: waited });
      status.steps.push({
        percent,
        verdict,
        canaryRequests: window.canary.requests,
        stableRequests: window.stable.requests,
      });
      if (verdict.decision === 'rollback') return end('rolled-back', verdict.reasons.join('; '));
      if (verdict.decision === 'abort') return end('aborted', verdict.reasons.join('; '));
      if (verdict.decision === 'advance') break;
      status.state = 'waiting-for-traffic';
      waited += policy.bakeSeconds / 2;
    }
  }
  status.state = 'promoting';
  await registry.setModelAlias({
    model: input.model,
    alias: 'champion',
    version: input.version,
    reason: 'canary passed',
  });
  await registry.setModelRoutes({ model: input.model, stable: input.version, canaryWeight: 0, reason: 'promoted' });
  const probe = await stats.probeGateway({
    model: input.model,
    expectVersion: input.version,
    gateways: input.gateways,
  });
  status.state = 'promoted';
  status.percent = 100;
  return { ...status, outcome: 'promoted', probe };
}
