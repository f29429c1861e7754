/**
 * `tuningWorkflow`: successive halving over a search space. Trials run as child `trainingWorkflow`s on the
 * GPU queue, at most `concurrency` at once; the best 1/η of each rung continue from their checkpoints with
 * a larger epoch budget, until the last rung or the device-time budget.
 */
import { ApplicationFailure, executeChild, log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { ErrorType, MlModelKey, MlStageKey, Stage } from './contracts';
import type { TrainingInput, TrainingResult, TuningInput, TuningResult, TuningTrial } from './contracts';
import { searchSpaceProblems, sampleTrials } from './policy/search-space';
import { promote, rungBudgets } from './policy/successive-halving';
import type { trainingWorkflow } from './training';

/** Runs `tasks` with at most `limit` in flight; results in task order. */
async function bounded<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

/** Tunes hyperparameters; returns the best trial and the leaderboard. */
export async function tuningWorkflow(input: TuningInput): Promise<TuningResult> {
  upsertSearchAttributes([
    { key: MlStageKey, value: Stage.experimentation },
    { key: MlModelKey, value: input.model },
  ]);
  const problems = searchSpaceProblems(input.space);
  if (problems.length > 0)
    throw ApplicationFailure.nonRetryable(`bad search space: ${problems.join('; ')}`, ErrorType.InvalidInput);
  const eta = input.eta ?? 3;
  const budgets = rungBudgets(input.minEpochs ?? 1, input.maxEpochs ?? 9, eta);
  const params = sampleTrials(input.space, input.trials, input.seed ?? 1);
  const trials: TuningTrial[] = params.map((p, trial) => ({ trial, params: p, rung: -1, epochs: 0 }));
  const budget = input.budgetDeviceSeconds ?? Infinity;
  let spent = 0;
  let alive = trials.map((t) => t.trial);
  for (let rung = 0; rung < budgets.length && alive.length > 0; rung++) {
    const epochs = budgets[rung];
    const outcomes = await bounded(
      alive.map((trial) => async (): Promise<TrainingResult | undefined> => {
        if (spent >= budget) return undefined;
        const entry = trials[trial];
        const child: TrainingInput = {
          model: input.model,
          trainer: input.trainer,
          train: input.train,
          valid: input.valid,
          label: input.label,
          params: { ...entry.params, maxEpochs: epochs, patience: epochs },
          seed: input.seed,
          resumeFrom: entry.checkpoint,
          heartbeatTimeoutSeconds: input.heartbeatTimeoutSeconds,
          queues: input.queues,
        };
        try {
          const result = await executeChild<typeof trainingWorkflow>('trainingWorkflow', {
            workflowId: `${workflowInfo().workflowId}:trial-${trial}:rung-${rung}`,
            args: [child],
          });
          // CPU hosts hold no device: their slot-time counts against the budget instead.
          spent += result.deviceSeconds > 0 ? result.deviceSeconds : result.wallSeconds;
          Object.assign(entry, {
            rung,
            epochs,
            score: result.metrics[input.metric ?? 'validLoss'],
            metrics: result.metrics,
            modelPath: result.modelPath,
            checkpoint: result.checkpoint,
          });
          return result;
        } catch (err) {
          log.warn('trial failed', { trial, rung, error: String(err) });
          Object.assign(entry, { rung, epochs, failed: String(err).slice(0, 300) });
          return undefined;
        }
      }),
      input.concurrency ?? 2,
    );
    const scored = alive.map((trial, i) => ({ trial, score: outcomes[i] ? trials[trial].score : undefined }));
    if (rung === budgets.length - 1 || spent >= budget) break;
    alive = promote(scored, eta).filter((trial) => trials[trial].checkpoint !== undefined);
  }
  const ranked = trials
    .filter((t) => t.score !== undefined)
    .sort((a, b) => b.rung - a.rung || (a.score ?? Infinity) - (b.score ?? Infinity));
  if (ranked.length === 0) throw ApplicationFailure.nonRetryable('every trial failed', ErrorType.TrainerFailed);
  return {
    best: ranked[0],
    leaderboard: [...ranked, ...trials.filter((t) => t.score === undefined)],
    budgets,
    deviceSecondsSpent: spent,
  };
}
