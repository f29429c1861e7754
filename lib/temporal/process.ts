/** A child process whose output goes to a log file, with a clean stop (SIGTERM, then SIGKILL). */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProvisionError } from './binaries';

/** A running child process of the stack. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): Promise<string>;
}

/** Starts `command` with its stdout and stderr appended to `logFile`. */
export function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}): ManagedProcess {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  // A process group of its own: Ctrl-C in a terminal reaches only the CLI, which stops workers first and
  // then this process. If the CLI exits without stopping it, the exit hook still sends SIGTERM.
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const onParentExit = () => child.kill('SIGTERM');
  process.on('exit', onParentExit);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('error', (err) => {
      log.write(`failed to start ${options.command}: ${err.message}\n`);
      resolveExit('spawn-error');
    });
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });
  void exited.then(() => {
    process.off('exit', onParentExit);
    log.end();
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name: options.name,
    child,
    logFile: options.logFile,
    exited,
    async stop(graceMs = 10000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async logTail(lines = 5) {
      const text = await readFile(options.logFile, 'utf8').catch(() => '');
      return text.trim().split('\n').slice(-lines).join('\n');
    },
  };
}

/**
 * Polls `ready` until it answers true. If the process exits first, or `timeoutMs` passes (the process
 * is then stopped), throws a ProvisionError naming the process and the end of its log.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  ready: () => Promise<boolean>,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: number | string | undefined;
  void proc.exited.then((code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new ProvisionError(`${proc.name} exited (${exited}) during start-up: ${await proc.logTail(3)}`);
    }
    if (await ready()) return;
    await sleep(options.intervalMs ?? 250);
  }
  await proc.stop();
  throw new ProvisionError(
    `${proc.name} did not ${options.what} within ${options.timeoutMs / 1000}s; see ${proc.logFile}`,
  );
}
