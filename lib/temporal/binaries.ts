/** Finds or builds the pinned Temporal binaries in a cache folder keyed by version. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMPORAL_SERVER, TEMPORAL_UI_SERVER } from './versions';
import type { PinnedBinary } from './versions';

/** Raised when no way to run a Temporal server exists on this machine. */
export class ProvisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisionError';
  }
}

/** Where a pinned binary lives in the cache: `<cache>/<name>-<version>/server`. */
export function cachedBinaryPath(cacheDir: string, binary: PinnedBinary): string {
  return join(cacheDir, `${binary.name}-${binary.version}`, 'server');
}

/** Paths of both binaries, whether or not they exist yet. */
export function cachedBinaries(cacheDir: string): { server: string; ui: string } {
  return { server: cachedBinaryPath(cacheDir, TEMPORAL_SERVER), ui: cachedBinaryPath(cacheDir, TEMPORAL_UI_SERVER) };
}

/** Finds an executable on PATH, or undefined. */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(':')) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Options of `ensureBinaries`. */
export interface EnsureBinariesOptions {
  cacheDir: string;
  /** Progress lines for the user (build start, Go downloads, periodic "still building"). */
  onProgress?: (line: string) => void;
  /** PATH to look for `go` on. */
  path?: string;
}

/** Returns the cached server and UI binaries, building the missing ones with `go install`. */
export async function ensureBinaries(options: EnsureBinariesOptions): Promise<{ server: string; ui: string }> {
  const paths = cachedBinaries(options.cacheDir);
  for (const binary of [TEMPORAL_SERVER, TEMPORAL_UI_SERVER]) {
    const target = cachedBinaryPath(options.cacheDir, binary);
    if (!existsSync(target)) await buildBinary(binary, target, options);
  }
  return paths;
}

async function buildBinary(binary: PinnedBinary, target: string, options: EnsureBinariesOptions): Promise<void> {
  const go = findOnPath('go', options.path);
  if (!go) {
    throw new ProvisionError(
      'no Temporal server available: set TEMPORAL_ADDRESS to a running server, put the `temporal` CLI on PATH, or install Go (https://go.dev/dl) so the pinned server can be built',
    );
  }
  const progress = options.onProgress ?? (() => undefined);
  warnIfChecksumsOff(go, progress);
  // Build into a staging folder and rename, so an interrupted build never leaves a half-written binary.
  const staging = `${target}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const ref = `${binary.goPackage}@${binary.version}`;
  progress(`building ${binary.name} ${binary.version} into ${target} with go install (the first build takes minutes)`);
  const started = Date.now();
  const ticker = setInterval(() => {
    progress(`  still building ${binary.name}: ${Math.round((Date.now() - started) / 1000)}s`);
  }, 15000);
  try {
    await runGoInstall(go, ref, staging, progress);
  } finally {
    clearInterval(ticker);
  }
  await mkdir(join(target, '..'), { recursive: true });
  await rename(join(staging, 'server'), target);
  await rm(staging, { recursive: true, force: true });
  progress(`built ${binary.name} in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
}

function runGoInstall(go: string, ref: string, gobin: string, progress: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(go, ['install', ref], {
      env: { ...process.env, GOBIN: gobin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    let downloads = 0;
    const onLine = (line: string) => {
      if (!line.trim()) return;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      if (line.startsWith('go: downloading')) {
        downloads++;
        if (downloads % 25 === 1) progress(`  ${line} (${downloads} modules so far)`);
      } else {
        progress(`  ${line}`);
      }
    };
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new ProvisionError(`cannot run go: ${err.message}`)));
    child.on('close', (code) => {
      onLine(buffered);
      if (code === 0) resolvePromise();
      else reject(new ProvisionError(`go install ${ref} failed (exit ${code}): ${tail.slice(-3).join(' | ')}`));
    });
  });
}

/** Checksum verification stays as the user configured it; when it is off, say so rather than hide it. */
function warnIfChecksumsOff(go: string, progress: (line: string) => void): void {
  const result = spawnSync(go, ['env', 'GOPROXY', 'GOSUMDB', 'GONOSUMDB', 'GOFLAGS'], { encoding: 'utf8' });
  if (result.status !== 0) return;
  const [proxy, sumdb, nosumdb, flags] = result.stdout.split('\n');
  progress(`go module proxy: ${proxy || '(default)'}, checksum database: ${sumdb || '(default)'}`);
  if (sumdb === 'off' || nosumdb || /-insecure/.test(flags ?? '')) {
    progress('warning: Go checksum verification is weakened in your Go environment (GOSUMDB/GONOSUMDB/GOFLAGS)');
  }
}
