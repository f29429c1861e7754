/**
 * wrk (a C load generator, Debian package `wrk`) as bench:serve's client with `--client wrk`: its own process and
 * one epoll thread, with far less work per request than autocannon, so the figures show how much of the round trip
 * is the client's. `bench/peers/wrk-report.lua` sets the request and prints the totals as JSON.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './serve-load';

const SCRIPT = join(__dirname, 'peers', 'wrk-report.lua');

/** wrk's version line when `wrk` is on the PATH, otherwise undefined. */
export function wrkVersion(): string | undefined {
  try {
    // wrk prints its usage (with the version on the first line) and exits 1 without a URL.
    execFileSync('wrk', ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return /^wrk .*$/m.exec(out)?.[0];
  }
  return undefined;
}

interface WrkTotals {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

function wrk(options: LoadOptions, seconds: number, bodyFile: string | undefined): Promise<WrkTotals> {
  const args = ['-t1', `-c${options.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', SCRIPT];
  const env = {
    ...process.env,
    WRK_METHOD: options.body === undefined ? 'GET' : 'POST',
    WRK_BODY_FILE: bodyFile ?? '',
  };
  return new Promise((resolve, reject) => {
    execFile('wrk', [...args, `${options.url}${options.path}`], { env }, (err, stdout, stderr) => {
      if (err)
        return reject(
          new Error(
            `wrk failed: ${
              String(stderr || err.message)
                .trim()
                .split('\n')[0]
            }`,
          ),
        );
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`wrk printed no totals: ${stdout.trim().slice(-200)}`));
      resolve(JSON.parse(line) as WrkTotals);
    });
  });
}

/** `loadTest` with wrk: a warm-up run, then the timed one; latencies from wrk's microsecond histogram. */
export async function wrkLoadTest(options: LoadOptions): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-wrk-'));
  try {
    const bodyFile = options.body === undefined ? undefined : join(dir, 'body.json');
    if (bodyFile) await writeFile(bodyFile, options.body!);
    if (options.warmupSeconds > 0) await wrk(options, options.warmupSeconds, bodyFile);
    const totals = await wrk(options, options.seconds, bodyFile);
    const seconds = totals.durationUs / 1e6;
    return {
      connections: options.connections,
      seconds,
      requests: totals.requests,
      reqPerSec: totals.requests / seconds,
      p50Ms: totals.p50Us / 1000,
      p99Ms: totals.p99Us / 1000,
      non2xx: totals.status,
      errors: totals.connect + totals.read + totals.write + totals.timeout,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
