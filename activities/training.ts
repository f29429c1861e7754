/** The `trainModel` activity on the `gpu` queue: runs a trainer under the contract, resumably. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { loadConfig } from '../lib/config';
import { estimateCost, pricingFromEnv } from '../lib/training/cost';
import { EXIT_PREEMPTED, TrainerEnv } from '../lib/training/contract';
import { latestCheckpoint } from '../lib/training/checkpoint-store';
import { devicePool } from '../lib/training/devices';
import { onPreemptionNotice } from '../lib/training/preemption';
import { runTrainerProcess } from '../lib/training/trainer-process';
import { ErrorType } from '../workflows/contracts';
import type {
  PreemptedDetails,
  TrainingCounters,
  TrainingHeartbeat,
  TrainModelInput,
  TrainModelResult,
} from '../workflows/contracts';

const MLOPS_BIN = resolve(__dirname, '..', 'bin', 'mlops.js');

/** The command line of a trainer spec: `builtin:mlp`, `builtin:logreg` or `cmd:<command line>`. */
export function trainerCommand(trainer: string): { command: string; args: string[] } {
  const builtin = /^builtin:(mlp|logreg)$/.exec(trainer);
  if (builtin) return { command: process.execPath, args: [MLOPS_BIN, 'trainer', 'builtin', builtin[1]] };
  if (trainer.startsWith('cmd:') && trainer.length > 4) return { command: '/bin/sh', args: ['-c', trainer.slice(4)] };
  throw ApplicationFailure.nonRetryable(
    `unknown trainer '${trainer}': use builtin:mlp, builtin:logreg or cmd:<command line>`,
    ErrorType.TrainerConfigError,
  );
}

/** The last step an attempt reached, kept beside its checkpoints so a retry can count the steps lost. */
function writeLastStep(runDir: string, step: number): void {
  try {
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'last-step'), String(step));
  } catch {
    // Only the lost-steps figure depends on it.
  }
}

async function readLastStep(runDir: string): Promise<number> {
  const text = await readFile(join(runDir, 'last-step'), 'utf8').catch(() => '0');
  return Number(text) || 0;
}

const zero: TrainingCounters = { deviceSeconds: 0, wallSeconds: 0, preemptions: 0, lostSteps: 0 };

/**
 * Trains a model. Heartbeats carry the latest checkpoint; a retry (after a worker died) resumes from it.
 * On a preemption notice the trainer checkpoints and the attempt fails at once with `Preempted`.
 */
export async function trainModel(input: TrainModelInput): Promise<TrainModelResult> {
  const ctx = Context.current();
  const previous = ctx.info.heartbeatDetails as TrainingHeartbeat | undefined;
  const counters: TrainingCounters = { ...(previous?.counters ?? input.carried ?? zero) };
  const { command, args } = trainerCommand(input.trainer);
  const runDir = join(loadConfig().home, 'runs', input.runId);
  let checkpoint = previous?.checkpoint ?? input.resumeFrom;
  let checkpointStep = previous?.checkpointStep ?? input.resumeStep ?? 0;
  if (previous) {
    // A checkpoint written after the last heartbeat that reached the server is still good: use the newest.
    const newest = await latestCheckpoint(join(runDir, 'checkpoints'));
    if (newest && newest.step > checkpointStep) ({ path: checkpoint, step: checkpointStep } = newest);
    // The dead attempt's last step: its heartbeat (up to a second old) or the step file it kept on disk.
    const lastStep = Math.max(previous.step, await readLastStep(runDir));
    counters.lostSteps += Math.max(0, lastStep - checkpointStep);
  }
  const resumeFrom = checkpoint;
  let step = checkpointStep;
  const pool = devicePool();
  const device = pool.acquire();
  const devices = device === undefined ? [] : [device];
  const started = Date.now();
  const beat = () => {
    const elapsed = (Date.now() - started) / 1000;
    const details: TrainingHeartbeat = {
      checkpoint,
      checkpointStep,
      step,
      counters: {
        ...counters,
        wallSeconds: counters.wallSeconds + elapsed,
        deviceSeconds: counters.deviceSeconds + elapsed * devices.length,
      },
    };
    ctx.heartbeat(details);
    return details;
  };
  beat();
  // A trainer may print nothing for a long while (reading a large dataset, a long epoch): heartbeat on a
  // timer as well, so the heartbeat timeout finds a dead worker rather than a quiet trainer, and a
  // cancellation reaches a quiet trainer within a second.
  const ticker = setInterval(beat, 1000);
  try {
    const outcome = await runTrainerProcess({
      command,
      args,
      env: {
        [TrainerEnv.trainData]: resolve(input.train),
        [TrainerEnv.validData]: resolve(input.valid),
        [TrainerEnv.label]: input.label,
        [TrainerEnv.outputDir]: join(runDir, 'output'),
        [TrainerEnv.checkpointDir]: join(runDir, 'checkpoints'),
        [TrainerEnv.params]: JSON.stringify(input.params ?? {}),
        [TrainerEnv.seed]: String(input.seed ?? 1),
        [TrainerEnv.devices]: devices.join(','),
        ...(resumeFrom ? { [TrainerEnv.resumeFrom]: resumeFrom } : {}),
      },
      signal: ctx.cancellationSignal,
      onPreemption: onPreemptionNotice,
      onEvent: (event) => {
        step = Math.max(step, event.step);
        writeLastStep(runDir, step);
        if (event.type === 'checkpoint') {
          checkpoint = event.path;
          checkpointStep = event.step;
        }
        beat();
      },
      onLogLine: (line, stream) => ctx.log.info('trainer output', { stream, line: line.slice(0, 500) }),
    });
    const final = beat().counters;
    if (ctx.cancellationSignal.aborted)
      throw ctx.cancellationSignal.reason ?? new CancelledFailure('training cancelled');
    if (outcome.exitCode === EXIT_PREEMPTED && outcome.lastCheckpoint) {
      const details: PreemptedDetails = {
        checkpoint: outcome.lastCheckpoint.path,
        step: outcome.lastCheckpoint.step,
        counters: final,
      };
      throw ApplicationFailure.create({
        message: `training preempted at step ${details.step}; checkpointed to ${details.checkpoint}`,
        type: ErrorType.Preempted,
        nonRetryable: true, // the workflow resumes it at once, on its own preemption budget
        details: [details],
      });
    }
    if (outcome.exitCode === 0 && outcome.done) {
      const metrics = JSON.parse(await readFile(outcome.done.metricsPath, 'utf8')) as Record<string, number>;
      return {
        modelPath: outcome.done.modelPath,
        metricsPath: outcome.done.metricsPath,
        metrics,
        steps: outcome.done.step,
        devices,
        ...final,
        costEstimate: estimateCost(final.deviceSeconds, pricingFromEnv()),
        checkpoint: outcome.done.checkpoint,
      };
    }
    const tail = outcome.stderrTail.slice(-3).join(' | ') || '(no stderr)';
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with ${outcome.exitCode}`;
    if (outcome.exitCode === 2)
      throw ApplicationFailure.nonRetryable(
        `trainer rejected its configuration: ${tail}`,
        ErrorType.TrainerConfigError,
      );
    throw ApplicationFailure.retryable(`trainer ${how}: ${tail}`, ErrorType.TrainerFailed);
  } finally {
    clearInterval(ticker);
    pool.release(device);
  }
}
