/**
 * The worker processes of bench:chaos: `node bin/mlops.js worker --queue <kind> --task-queue <name>`, several per
 * kind, started, awaited (the server lists the process as a poller), killed with SIGKILL and replaced.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const MLOPS = join(__dirname, '..', 'bin', 'mlops.js');
const { TaskQueueType } = temporal.api.enums.v1;

/** The three kinds of worker the lifecycle needs. */
export type WorkerKind = 'control' | 'data' | 'gpu';

/** One worker process. */
export interface WorkerProcess {
  kind: WorkerKind;
  pid: number;
  child: ChildProcess;
  /** The SDK's default worker identity, as the server reports it in pending activities. */
  identity: string;
}

/** Options of `WorkerPool`. */
export interface WorkerPoolOptions {
  connection: Connection;
  namespace: string;
  /** Task queue name per kind. */
  queues: Record<WorkerKind, string>;
  /** Environment of every worker (TEMPORAL_ADDRESS, MLOPS_HOME, …). */
  env: NodeJS.ProcessEnv;
  /** A folder for each worker's log (`<kind>-<pid>.log`, level info); none: warnings only, kept in memory. */
  logDir?: string;
}

/** Worker processes per kind; every start and exit is tracked so the bench can pick and replace victims. */
export class WorkerPool {
  private readonly alive = new Map<number, WorkerProcess>();

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Every live worker process. */
  workers(): WorkerProcess[] {
    return [...this.alive.values()];
  }

  /** Starts a worker of `kind`; resolves once the server lists it as a poller of its task queue. */
  async start(kind: WorkerKind, timeoutMs = 120_000): Promise<WorkerProcess> {
    const args = [MLOPS, 'worker', '--queue', kind, '--task-queue', this.options.queues[kind]];
    const { logDir } = this.options;
    const child = spawn(process.execPath, args, {
      env: { ...this.options.env, MLOPS_LOG_LEVEL: logDir ? 'info' : 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    const pid = child.pid!;
    if (logDir) child.stderr?.pipe(createWriteStream(join(logDir, `${kind}-${pid}.log`)));
    const worker: WorkerProcess = { kind, pid, child, identity: `${pid}@${hostname()}` };
    this.alive.set(pid, worker);
    child.on('exit', () => this.alive.delete(pid));
    const deadline = Date.now() + timeoutMs;
    while (!(await this.polling(worker))) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${kind} worker ${pid} exited before polling: ${stderr.trim().slice(-500)}`);
      if (Date.now() > deadline) throw new Error(`${kind} worker ${pid} did not poll within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    return worker;
  }

  /** Kills `worker` with SIGKILL and waits until its process is gone. */
  async kill(worker: WorkerProcess): Promise<void> {
    const gone = new Promise<void>((resolve) => {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) resolve();
      else worker.child.once('exit', () => resolve());
    });
    worker.child.kill('SIGKILL');
    await gone;
  }

  /** Kills every worker (end of the bench). */
  async stopAll(): Promise<void> {
    await Promise.all(this.workers().map((w) => this.kill(w)));
  }

  private async polling(worker: WorkerProcess): Promise<boolean> {
    // The control worker polls for workflow tasks once its bundle is built; the others poll for activities.
    const taskQueueType =
      worker.kind === 'control' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
    const reply = await this.options.connection.workflowService.describeTaskQueue({
      namespace: this.options.namespace,
      taskQueue: { name: this.options.queues[worker.kind] },
      taskQueueType,
    });
    return (reply.pollers ?? []).some((p) => p.identity === worker.identity);
  }
}
