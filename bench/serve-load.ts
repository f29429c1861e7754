/**
 * The servers bench:serve loads and the load itself: the gateway as its own process (`mlops serve`), the
 * FastAPI + onnxruntime peer as its own process, and the load: wrk as its own process (`serve-wrk.ts`), or
 * autocannon driving either from this process with every response's latency kept (autocannon's own histogram
 * rounds to whole milliseconds).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { percentiles } from './serve-model';
import { wrkLoadTest } from './serve-wrk';

const MLOPS = join(__dirname, '..', 'bin', 'mlops.js');
const PEER = join(__dirname, 'peers', 'serve_fastapi.py');

/** A server started for the bench. */
export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
}

/** Starts `mlops serve --port 0` on `home` and waits for its "gateway listening on" line. */
export function startGatewayProcess(home: string, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MLOPS, 'serve', '--port', '0'], {
    env: { ...process.env, ...env, MLOPS_HOME: home, MLOPS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not start within 60 s: ${lastLines(stderr)}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code}: ${lastLines(stderr)}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /gateway listening on (\S+)/.exec(stdout)?.[1];
      if (!url) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ url, pid: child.pid!, stop: () => stopChild(child) });
    });
  });
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts bench/peers/serve_fastapi.py (one uvicorn worker) on the model and waits until it answers. */
export async function startFastApiPeer(
  python: string,
  modelPath: string,
  env: NodeJS.ProcessEnv,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(python, [PEER, modelPath, String(port)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the FastAPI peer exited with ${child.exitCode}: ${lastLines(stderr)}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, pid: child.pid!, stop: () => stopChild(child) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stopChild(child);
  throw new Error(`the FastAPI peer did not answer within 60 s: ${lastLines(stderr)}`);
}

/** What one load run measured. */
export interface LoadResult {
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses other than 2xx, and socket errors or timeouts. */
  non2xx: number;
  errors: number;
}

/** Options of `loadTest`. */
export interface LoadOptions {
  url: string;
  path: string;
  /** A POST body; a GET without one. */
  body?: string;
  connections: number;
  seconds: number;
  /** An untimed run before the timed one, so both servers are warm (JIT, pools, caches). */
  warmupSeconds: number;
  /** The load generator: wrk as its own process, or autocannon in this one (the default). */
  client?: LoadClient;
}

/** The load generators bench:serve can drive. */
export type LoadClient = 'wrk' | 'autocannon';

function cannon(options: LoadOptions, seconds: number, latencies?: number[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${options.url}${options.path}`,
        method: options.body === undefined ? 'GET' : 'POST',
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
        body: options.body,
        connections: options.connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
      },
      (err, result) => (err ? reject(err as Error) : resolve(result)),
    );
    if (latencies) {
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) latencies.push(ms);
      });
    }
  });
}

/** Drives `options.connections` keep-alive connections at the server for `seconds`; req/s and latency quantiles. */
export async function loadTest(options: LoadOptions): Promise<LoadResult> {
  if (options.client === 'wrk') return wrkLoadTest(options);
  if (options.warmupSeconds > 0) await cannon(options, options.warmupSeconds);
  const latencies: number[] = [];
  const result = await cannon(options, options.seconds, latencies);
  const { p50, p99 } = percentiles(latencies);
  return {
    connections: options.connections,
    seconds: result.duration,
    requests: latencies.length,
    reqPerSec: latencies.length / result.duration,
    p50Ms: p50,
    p99Ms: p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
