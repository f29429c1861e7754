/**
 * The model-loading preflight: before a version is loaded into the gateway's process, a child process loads it and
 * runs it on zeros, under a timeout. onnxruntime is native code, and a malformed or hostile model can crash it (a
 * segfault or abort kills the whole process, which a worker thread would not contain) or hang it; in a child that
 * only costs the child. A version is loaded in-process only after its bytes passed; passes are cached by sha256, so
 * a known model (a restart of a route, a second replica's reload) costs nothing.
 */
import { spawn } from 'node:child_process';
import { extname, join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import type { PREFLIGHT_READY, PreflightReport, PreflightRequest } from './preflight-child';

/** Default time a preflight may take (loading a large model included) before its child is killed. */
export const DEFAULT_PREFLIGHT_TIMEOUT_MS = 60_000;

/** Time the preflight child may take to start (Node, tsx, onnxruntime) before the model's own limit begins. */
const STARTUP_LIMIT_MS = 60_000;

/** Bytes of the child's stderr kept for the refusal message. */
const STDERR_KEPT = 4096;

/** Evaluated in the child: loads the child module, through tsx when it is TypeScript (as under tsx or jest). */
const BOOTSTRAP = `'use strict';
const [child, tsx] = process.argv.slice(1);
if (tsx) require(tsx).register();
require(child).serveModelPreflight();
`;

/** What one preflight found; `reason` says why a refused model was refused. */
export type PreflightVerdict = { ok: true; ranZeros: boolean; ms: number } | { ok: false; reason: string; ms: number };

/** Options of a preflight. */
export interface ModelPreflightOptions {
  /** Time a child may take before it is killed and the model refused (default 60 s). */
  timeoutMs?: number;
  logger: Logger;
}

/** Checks models in child processes, one fresh child per model not already passed. */
export class ModelPreflight {
  private readonly passed = new Map<string, PreflightVerdict>();
  private readonly running = new Map<string, Promise<PreflightVerdict>>();
  private readonly timeoutMs: number;

  constructor(private readonly options: ModelPreflightOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PREFLIGHT_TIMEOUT_MS;
  }

  /** True when bytes of this sha256 passed before (they load without a child). */
  hasPassed(sha256: string): boolean {
    return this.passed.has(sha256);
  }

  /** Checks a model file (cached by sha256, concurrent checks of one sha256 shared); never throws. */
  check(request: PreflightRequest): Promise<PreflightVerdict> {
    const cached = this.passed.get(request.sha256);
    if (cached) return Promise.resolve(cached);
    let pending = this.running.get(request.sha256);
    if (!pending) {
      pending = this.runChild(request).then((verdict) => {
        this.running.delete(request.sha256);
        if (verdict.ok) this.passed.set(request.sha256, verdict);
        return verdict;
      });
      this.running.set(request.sha256, pending);
    }
    return pending;
  }

  /** Checks a model and throws ModelInvalid with the reason when it is refused; `what` names it in the message. */
  async require(request: PreflightRequest, what: string): Promise<void> {
    const verdict = await this.check(request);
    if (verdict.ok) return;
    this.options.logger.warn({ what, sha256: request.sha256, reason: verdict.reason }, 'model refused by preflight');
    throw new DomainError(ErrorType.ModelInvalid, `${what} was refused by the loading preflight: ${verdict.reason}`);
  }

  private runChild(request: PreflightRequest): Promise<PreflightVerdict> {
    const started = Date.now();
    const module = join(__dirname, `preflight-child${extname(__filename)}`);
    const tsx = extname(__filename) === '.ts' ? require.resolve('tsx/cjs/api') : '';
    return new Promise((resolve) => {
      let report: PreflightReport | undefined;
      let timedOut = false;
      let childReady = false;
      let stderr = '';
      const child = spawn(process.execPath, ['-e', BOOTSTRAP, module, tsx], {
        // spawn (unlike fork) passes none of the parent's node options (an inspector port, a profiler) on, and the
        // child, which parses untrusted bytes, gets no environment beyond PATH: no admin token, no credentials.
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: { PATH: process.env.PATH ?? '' },
      });
      // The limit is the model's: it starts once the child has loaded its own modules (`PREFLIGHT_READY`), so a
      // slow start of Node and onnxruntime on a busy machine does not count against it. The start itself gets a
      // bound of its own.
      const kill = () => {
        timedOut = true;
        child.kill('SIGKILL');
      };
      let timer = setTimeout(kill, this.timeoutMs + STARTUP_LIMIT_MS);
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        if (stderr.length < STDERR_KEPT) stderr = (stderr + text).slice(0, STDERR_KEPT);
      });
      child.on('message', (message: PreflightReport | typeof PREFLIGHT_READY) => {
        if ('ready' in message) {
          childReady = true;
          clearTimeout(timer);
          timer = setTimeout(kill, this.timeoutMs);
        } else report = message;
      });
      const done = (reason?: string) => {
        clearTimeout(timer);
        const ms = Date.now() - started;
        if (report?.ok && reason === undefined) resolve({ ok: true, ranZeros: report.ranZeros, ms });
        else resolve({ ok: false, reason: reason ?? (report as { reason: string }).reason, ms });
      };
      child.on('error', (err: Error) => done(`the preflight process could not start: ${err.message}`));
      child.on('exit', (code, signal) => {
        if (timedOut && !childReady)
          return done(`the loading process did not start within ${STARTUP_LIMIT_MS} ms (it was killed)`);
        if (timedOut) return done(`loading it took longer than ${this.timeoutMs} ms (the loading process was killed)`);
        if (report && code === 0) return done();
        const last = stderr.trim().split('\n').pop()?.slice(0, 300);
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        done(`it crashed the loading process (${how})${last ? `: ${last}` : ''}`);
      });
      child.send(request);
    });
  }
}
