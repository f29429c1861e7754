/**
 * Runs a trainer command in its own process group under the trainer contract: collects its JSON events,
 * forwards preemption (SIGTERM) and cancellation, and reports how it ended.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseTrainerLine, TrainerEnv } from './contract';
import type { CheckpointEvent, DoneEvent, TrainerEvent } from './contract';

/** How a trainer run ended. */
export interface TrainerOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  done?: DoneEvent;
  lastCheckpoint?: CheckpointEvent;
  /** Highest step reported. */
  lastStep: number;
  /** The last stderr lines, for error messages. */
  stderrTail: string[];
  wallSeconds: number;
}

/** Options of `runTrainerProcess`. */
export interface RunTrainerOptions {
  command: string;
  args: string[];
  /** MLOPS_* variables of the contract (merged over the worker's environment). */
  env: Record<string, string>;
  onEvent?: (event: TrainerEvent) => void;
  onLogLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting kills the process group (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  /**
   * Subscribes to preemption notices; on one the trainer's group gets SIGTERM (the trainer checkpoints and exits),
   * then SIGKILL after `preemptionGraceMs` if anything of it is still running.
   */
  onPreemption?: (listener: () => void) => () => void;
  killGraceMs?: number;
  /** Time a preempted trainer has to checkpoint and exit before its group is killed (default 30 s). */
  preemptionGraceMs?: number;
}

/** Starts the trainer and resolves when it exits. */
export function runTrainerProcess(options: RunTrainerOptions): Promise<TrainerOutcome> {
  const started = Date.now();
  const child = spawn(options.command, options.args, {
    env: { ...process.env, ...options.env, [TrainerEnv.stopOnStdinClose]: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const outcome: TrainerOutcome = { exitCode: null, signal: null, lastStep: 0, stderrTail: [], wallSeconds: 0 };
  const group = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // The group is gone already.
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  const terminate = (graceMs: number) => {
    group('SIGTERM');
    killTimer ??= setTimeout(() => group('SIGKILL'), graceMs);
  };
  const cancel = () => terminate(options.killGraceMs ?? 5000);
  options.signal?.addEventListener('abort', cancel, { once: true });
  const unsubscribe = options.onPreemption?.(() => terminate(options.preemptionGraceMs ?? 30000));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = parseTrainerLine(line);
    if (!event) return options.onLogLine?.(line, 'stdout');
    outcome.lastStep = Math.max(outcome.lastStep, event.step);
    if (event.type === 'checkpoint') outcome.lastCheckpoint = event;
    if (event.type === 'done') outcome.done = event;
    options.onEvent?.(event);
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    outcome.stderrTail.push(line);
    if (outcome.stderrTail.length > 20) outcome.stderrTail.shift();
    options.onLogLine?.(line, 'stderr');
  });
  child.stdin.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(err));
    child.on('close', (code, sig) => {
      if (killTimer) {
        // Cancelled or preempted, and the trainer has exited: anything left in its group (a child that ignored
        // SIGTERM and holds none of our pipes) gets SIGKILL now, as the grace timer that would have killed it ends.
        clearTimeout(killTimer);
        group('SIGKILL');
      }
      options.signal?.removeEventListener('abort', cancel);
      unsubscribe?.();
      outcome.exitCode = code;
      outcome.signal = sig;
      outcome.wallSeconds = (Date.now() - started) / 1000;
      resolve(outcome);
    });
  });
}
