/**
 * Names and types of the canary rollout shared by the workflow, its activities and clients.
 * Re-exported by contracts.ts; imports no Node module.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CanaryPolicy, CanaryVerdict, VersionWindow } from './policy/canary';

/** Input of `canaryRolloutWorkflow`. */
export interface RolloutInput {
  model: string;
  /** The candidate version; the current champion is the stable one. */
  version: number;
  /** Overrides of the default canary policy (steps, bake, thresholds, approval). */
  policy?: Partial<CanaryPolicy>;
  /** Gateway base URLs to steer and read; the control worker's configured gateways when absent. */
  gateways?: string[];
  queues?: { control?: string };
}

/** Where a rollout stands. */
export type RolloutState =
  | 'starting'
  | 'baking'
  | 'waiting-for-traffic'
  | 'awaiting-approval'
  | 'promoting'
  | 'promoted'
  | 'rolled-back'
  | 'aborted'
  | 'rejected';

/** One judged window of a rollout. */
export interface RolloutStepRecord {
  percent: number;
  verdict: CanaryVerdict;
  canaryRequests: number;
  stableRequests: number;
}

/** What the `status` query returns. */
export interface RolloutStatus {
  model: string;
  version: number;
  stable?: number;
  state: RolloutState;
  /** Current canary share in percent. */
  percent: number;
  steps: RolloutStepRecord[];
  reason?: string;
}

/** Result of `canaryRolloutWorkflow`. */
export interface RolloutResult extends RolloutStatus {
  outcome: 'promoted' | 'rolled-back' | 'aborted' | 'rejected';
  /** The post-promotion probe's answer (promoted rollouts only). */
  probe?: { answeredBy: string };
}

/** Manual decision before the last step. */
export interface ApprovalInput {
  approved: boolean;
  reason?: string;
}

/** Rollback request, honoured at any time. */
export interface RollbackRequest {
  reason?: string;
}

/** Query: the rollout's status. */
export const rolloutStatusQuery = defineQuery<RolloutStatus>('status');
/** Signal: roll back now. */
export const rolloutRollbackSignal = defineSignal<[RollbackRequest]>('rollback');
/** Update: approve or reject promotion to 100 % (accepted only while awaiting approval). */
export const rolloutApprovalUpdate = defineUpdate<RolloutStatus, [ApprovalInput]>('approval');

/** Workflow id of a model's rollout: at most one open per model. */
export function rolloutWorkflowId(model: string): string {
  return `rollout:${model}`;
}

/** Input of `setModelRoutes`: the gateway's desired state for one model. */
export interface SetModelRoutesInput {
  model: string;
  stable: number;
  canary?: number;
  canaryWeight: number;
  reason?: string;
}

/** Input of `readRolloutStats`. */
export interface ReadRolloutStatsInput {
  model: string;
  stable: number;
  canary: number;
  /** Epoch ms: figures since the rollout began. */
  since: number;
  /** Epoch ms: the current step began (for the step's own canary traffic). */
  stepSince: number;
  gateways?: string[];
}

/** Result of `readRolloutStats`, summed over every gateway replica (p50/p99: the worst replica). */
export interface ReadRolloutStatsResult {
  stable: VersionWindow;
  canary: VersionWindow;
  stepCanaryRequests: number;
  replicas: number;
}

/** Input of `probeGateway`. */
export interface ProbeGatewayInput {
  model: string;
  expectVersion: number;
  gateways?: string[];
}
