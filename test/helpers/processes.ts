/** Child processes in tests: spawn, wait for an output line, and always clean up. */
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** A spawned child with its collected output. */
export interface TestProcess {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout (or stderr) matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitFor: (pattern: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr') => Promise<RegExpMatchArray>;
  /** Resolves with the exit code, or the signal name. */
  exited: Promise<number | string>;
}

const alive = new Set<ChildProcessWithoutNullStreams>();
process.on('exit', () => alive.forEach((child) => child.kill('SIGKILL')));

/** Spawns `command` with piped output. */
export function spawnTestProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): TestProcess {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  alive.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolveExit) =>
    child.on('exit', (code, signal) => {
      alive.delete(child);
      resolveExit(code ?? signal ?? 'unknown');
    }),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 60000, stream: 'stdout' | 'stderr' = 'stdout') =>
    new Promise<RegExpMatchArray>((resolveMatch, reject) => {
      const text = () => (stream === 'stdout' ? out : err);
      const started = Date.now();
      const timer = setInterval(() => {
        const match = text().match(pattern);
        if (match) {
          clearInterval(timer);
          resolveMatch(match);
        } else if (child.exitCode !== null || child.signalCode !== null || Date.now() - started > timeoutMs) {
          clearInterval(timer);
          reject(
            new Error(
              `no ${pattern} in ${stream} (exit ${child.exitCode ?? child.signalCode}); stderr: ${err.slice(-2000)}`,
            ),
          );
        }
      }, 50);
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exited };
}

/** Spawns a TypeScript file of this repository under tsx. */
export function spawnTs(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): TestProcess {
  return spawnTestProcess(process.execPath, ['--require', require.resolve('tsx/cjs'), file, ...args], env);
}

/** True while `pid` is a live process (a zombie, killed but not yet reaped, counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; the command may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `probe` every 100 ms until it gives a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
