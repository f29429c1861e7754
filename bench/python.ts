/** The Python peers: a virtualenv at bench/.venv with pinned packages, and one JSON line from each peer script. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { progress } from './measure';

const run = promisify(execFile);
const VENV = join(__dirname, '.venv');
const PYTHON = join(VENV, 'bin', 'python');
const PEERS = join(__dirname, 'peers');
const REQUIREMENTS = join(PEERS, 'requirements.txt');

/** A ready interpreter, or why the Python baselines are missing. */
export type PythonPeers =
  { python: string; version: string; versions: Record<string, string | null> } | { reason: string };

/**
 * The environment of every Python command: the machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for old
 * OpenBLAS builds, which would mis-tune the current wheels, so the peers run without them.
 */
function pythonEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr?.trim() || e.message || String(err)).split('\n');
  return text[text.length - 1].slice(0, 300);
}

/** Installed versions of the pinned distributions (null when missing). */
async function installedVersions(pins: Map<string, string>): Promise<Record<string, string | null>> {
  const script =
    'import json, sys, importlib.metadata as m\n' +
    'def v(n):\n    try: return m.version(n)\n    except Exception: return None\n' +
    'print(json.dumps({n: v(n) for n in sys.argv[1:]}))';
  const { stdout } = await run(PYTHON, ['-c', script, ...pins.keys()], { env: pythonEnv() });
  return JSON.parse(stdout) as Record<string, string | null>;
}

/** `name==version` lines of requirements.txt, extras stripped from the name. */
function pinnedVersions(): Map<string, string> {
  const pins = new Map<string, string>();
  for (const line of readFileSync(REQUIREMENTS, 'utf8').split('\n')) {
    const match = /^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==(\S+)/.exec(line.trim());
    if (match) pins.set(match[1], match[3]);
  }
  return pins;
}

/** Creates bench/.venv when missing and installs the pinned packages when any is missing or at another version. */
export async function preparePython(enabled: boolean): Promise<PythonPeers> {
  if (!enabled) return { reason: '--no-python was given' };
  try {
    if (!existsSync(PYTHON)) {
      progress(`creating ${VENV}`);
      await run('python3', ['-m', 'venv', VENV], { env: pythonEnv() });
    }
    const pins = pinnedVersions();
    let versions = await installedVersions(pins);
    const stale = [...pins].filter(([name, version]) => versions[name] !== version);
    if (stale.length > 0) {
      progress(`pip install -r ${REQUIREMENTS} (${stale.map(([n, v]) => `${n}==${v}`).join(', ')})`);
      try {
        await run(PYTHON, ['-m', 'pip', 'install', '--quiet', '-r', REQUIREMENTS], {
          env: pythonEnv(),
          maxBuffer: 64 << 20,
        });
      } catch (err) {
        // Peers whose packages did install still run; the others report the import error as their reason.
        progress(`pip install failed: ${firstLine(err)}`);
      }
      versions = await installedVersions(pins);
    }
    const { stdout } = await run(PYTHON, ['-c', 'import platform; print(platform.python_version())'], {
      env: pythonEnv(),
    });
    return { python: PYTHON, version: stdout.trim(), versions };
  } catch (err) {
    return { reason: `no Python environment: ${firstLine(err)}` };
  }
}

/** Runs bench/peers/<script> and parses its JSON line; a crash becomes a reason for each name asked for. */
export async function runPeer(
  peers: PythonPeers,
  script: string,
  args: string[],
  names: string[],
): Promise<Record<string, Record<string, unknown>>> {
  const failed = (reason: string) => Object.fromEntries(names.map((name) => [name, { error: reason }]));
  if ('reason' in peers) return failed(peers.reason);
  progress(`python ${script} ${args.map((a) => a.replace(__dirname, 'bench')).join(' ')}`);
  try {
    const { stdout, stderr } = await run(peers.python, [join(PEERS, script), ...args], {
      env: pythonEnv(),
      maxBuffer: 64 << 20,
    });
    for (const line of stderr.trim().split('\n').filter(Boolean).slice(-10)) progress(`  ${script}: ${line}`);
    const line = stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as Record<string, Record<string, unknown>>;
  } catch (err) {
    return failed(`${script} failed: ${firstLine(err)}`);
  }
}

/** The peer's number for `key`, or the reason it has none. */
export function peerValue(peer: Record<string, unknown> | undefined, key: string): { value?: number; reason?: string } {
  if (!peer) return { reason: 'the peer reported nothing' };
  if (typeof peer.error === 'string') return { reason: peer.error };
  const value = peer[key];
  return typeof value === 'number' ? { value } : { reason: `the peer reported no ${key}` };
}
