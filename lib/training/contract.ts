/**
 * The trainer contract (docs/trainer-contract.md): what any training command gets in its environment and
 * what it prints, one JSON object per stdout line.
 */

/** Environment variables a trainer reads. */
export const TrainerEnv = {
  trainData: 'MLOPS_TRAIN_DATA',
  validData: 'MLOPS_VALID_DATA',
  label: 'MLOPS_LABEL',
  outputDir: 'MLOPS_OUTPUT_DIR',
  checkpointDir: 'MLOPS_CHECKPOINT_DIR',
  resumeFrom: 'MLOPS_RESUME_FROM',
  params: 'MLOPS_PARAMS',
  seed: 'MLOPS_SEED',
  devices: 'CUDA_VISIBLE_DEVICES',
  /** Set to 1 by the worker: the trainer must exit when its stdin closes (the worker died). */
  stopOnStdinClose: 'MLOPS_STOP_ON_STDIN_CLOSE',
} as const;

/** Exit code of a trainer that checkpointed on SIGTERM and stopped (EX_TEMPFAIL: try again). */
export const EXIT_PREEMPTED = 75;

/** A progress report. */
export interface ProgressEvent {
  type: 'progress';
  step: number;
  epoch?: number;
  loss?: number;
  validLoss?: number;
  /** 0..1 when the trainer knows its total. */
  fraction?: number;
}

/** A checkpoint that a resumed run can start from. */
export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  path: string;
  /** 'interval' for periodic checkpoints, 'sigterm' for the one taken on a preemption notice. */
  reason: 'interval' | 'sigterm';
}

/** The end of training. */
export interface DoneEvent {
  type: 'done';
  step: number;
  modelPath: string;
  metricsPath: string;
  /** A checkpoint of the final state, from which a later run may continue with more budget. */
  checkpoint?: string;
}

/** Any event a trainer prints. */
export type TrainerEvent = ProgressEvent | CheckpointEvent | DoneEvent;

/** Parses one stdout line; undefined for free-form lines, which are logged as they are. */
export function parseTrainerLine(line: string): TrainerEvent | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const event = JSON.parse(text) as { type?: unknown; step?: unknown };
    if (event.type === 'progress' && typeof event.step === 'number') return event as ProgressEvent;
    if (
      event.type === 'checkpoint' &&
      typeof event.step === 'number' &&
      typeof (event as CheckpointEvent).path === 'string'
    ) {
      return event as CheckpointEvent;
    }
    if (event.type === 'done' && typeof (event as DoneEvent).modelPath === 'string') return event as DoneEvent;
  } catch {
    return undefined;
  }
  return undefined;
}
