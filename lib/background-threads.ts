/**
 * Worker threads that do background work for the thread that runs the model or decodes the data (hashing a file,
 * scoring an evaluation): kept idle for the next job instead of started again (a start costs tens of milliseconds of
 * CPU), and run at a lower priority.
 */
import type { Worker } from 'node:worker_threads';

/**
 * Nice value background threads give themselves, on Linux only: there the nice value is per thread, so a thread
 * that lowers its own priority leaves the process's other threads as they are (elsewhere it would lower the whole
 * process). It only decides who waits when every core is busy.
 */
export const BACKGROUND_NICE = 10;

/** Idle threads of one kind: at most `max` are kept, none keeps the process alive, one that exits is dropped. */
export class IdleThreads {
  /** Each idle thread, with the listener that drops it should it exit. */
  private readonly idle = new Map<Worker, () => void>();

  constructor(private readonly max: number) {}

  /** An idle thread, which again keeps the process alive; undefined when there is none. */
  take(): Worker | undefined {
    for (const [worker, onExit] of this.idle) {
      this.idle.delete(worker);
      worker.off('exit', onExit);
      worker.ref();
      return worker;
    }
    return undefined;
  }

  /** Keeps a thread that finished its job for the next one, or ends it when enough are kept. */
  put(worker: Worker): void {
    if (this.idle.size >= this.max) {
      void worker.terminate();
      return;
    }
    const onExit = () => this.idle.delete(worker);
    worker.once('exit', onExit);
    worker.unref();
    this.idle.set(worker, onExit);
  }
}
