/**
 * The drift monitor's decision: whether one check's result asks for a retraining, and why. A pure function, so the
 * workflow stays a loop of timers, checks and signals.
 */
import type { CheckModelDriftResult, DriftMonitorInput, RetrainRequest } from '../lifecycle-contracts';

/** Problems with a monitor's input, each one line; empty when it is usable. */
export function driftMonitorInputProblems(input: DriftMonitorInput): string[] {
  const problems: string[] = [];
  if (!(input.windowSeconds > 0 && Number.isFinite(input.windowSeconds))) problems.push('windowSeconds must be > 0');
  if (input.minRows !== undefined && !(Number.isSafeInteger(input.minRows) && input.minRows >= 1)) {
    problems.push('minRows must be a whole number >= 1');
  }
  if (input.accuracyFloor !== undefined && !(input.accuracyFloor >= 0 && input.accuracyFloor <= 1)) {
    problems.push('accuracyFloor must be in [0, 1]');
  }
  if (!input.lifecycleWorkflowId) problems.push('lifecycleWorkflowId must name the lifecycle to signal');
  return problems;
}

/**
 * The retraining request a judged check calls for: accuracy below the floor comes first (it is the harm itself,
 * drift only its likely cause), then any drifted column. None for an unjudged or healthy window.
 */
export function retrainRequestFor(input: {
  model: string;
  result: CheckModelDriftResult;
  accuracyFloor?: number;
  /** ISO time of the check. */
  at?: string;
}): RetrainRequest | undefined {
  const { model, result, accuracyFloor } = input;
  if (!result.judged) return undefined;
  const served = `${model}@${result.version ?? '?'}`;
  const drifted = result.drifted.length > 0 ? `drifted: ${result.drifted.join(', ')}` : undefined;
  const check = {
    at: input.at ?? '',
    version: result.version ?? 0,
    rows: result.rows,
    drifted: result.drifted,
    accuracy: result.accuracy,
    reportPath: result.reportPath,
  };
  if (accuracyFloor !== undefined && result.accuracy !== undefined && result.accuracy < accuracyFloor) {
    const detail = `${served} accuracy ${result.accuracy.toFixed(4)} < floor ${accuracyFloor} on ${result.labelled} labelled rows`;
    return {
      reason: 'accuracy',
      detail: drifted ? `${detail}; ${drifted}` : detail,
      reportPath: result.reportPath,
      check,
    };
  }
  if (drifted)
    return {
      reason: 'drift',
      detail: `${served} ${drifted} (${result.rows} rows)`,
      reportPath: result.reportPath,
      check,
    };
  return undefined;
}
