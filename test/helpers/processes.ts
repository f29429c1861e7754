/** Child processes in tests: spawn, wait for an output line, and always clean up. */
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
