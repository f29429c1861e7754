/**
 * Names and types of `driftMonitorWorkflow` that the lifecycle contracts do not hold: its status and the query
 * that reads it. Imports no Node module.
 */
import { defineQuery } from '@temporalio/workflow';
import type { CheckModelDriftResult, RetrainRequest } from './lifecycle-contracts';

/** One retraining request the monitor sent, and whether the lifecycle took it. */
export interface MonitorSignal {
  /** ISO 8601 (workflow time). */
  at: string;
  request: RetrainRequest;
  /** False when the signal failed (the lifecycle is not running); the monitor goes on regardless. */
  delivered: boolean;
  error?: string;
}

/** What the monitor's `status` query returns. */
export interface DriftMonitorStatus {
  model: string;
  lifecycleWorkflowId: string;
  windowSeconds: number;
  /** Checks done across every run (carried over continue-as-new). */
  checks: number;
  /** The last check's result, with the window it covered (ISO 8601). */
  last?: CheckModelDriftResult & { at: string; since: string };
  /** The last check that failed after its retries, when the latest one did. */
  lastError?: { at: string; message: string };
  /** Retraining requests sent since this run began, delivered or not (the latest is `lastSignal`). */
  signals: number;
  lastSignal?: MonitorSignal;
}

/** Query: the drift monitor's status. */
export const driftMonitorStatusQuery = defineQuery<DriftMonitorStatus>('status');
