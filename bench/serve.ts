/**
 * bench:serve — the serving gateway under load: a 32-feature MLP behind `POST /v1/models/{name}:predict` (one
 * JSON row per request) at concurrency 1 and 32, against FastAPI + onnxruntime serving the same model with the
 * same body; the gateway's overhead over a bare `session.run`; and the rollout's decision step on a real
 * Temporal server. The gateway runs as its own process (`mlops serve`), as does the peer; autocannon runs here.
 *   npm run -s bench:serve -- [--json] [--seconds N] [--warmup N] [--rollouts N] [--no-python] [--no-rollout]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry } from '../lib/registry';
import { describeMachine } from './machine';
import { preparePython } from './python';
import { loadTest, startFastApiPeer, startGatewayProcess } from './serve-load';
import type { LoadClient, LoadResult, ServerProcess } from './serve-load';
import { wrkVersion } from './serve-wrk';
import {
  benchRow,
  GATEWAY_INTRA_OP_THREADS,
  measureBareRun,
  predictBody,
  registerBenchModel,
  writeBenchModel,
} from './serve-model';
import {
  batchingResult,
  decisionResults,
  floorResult,
  formatServeTable,
  gatewayWorkResult,
  loadResults,
  overheadResult,
} from './serve-report';
import type { PeerLoad } from './serve-report';
import { measureDecisionStep } from './serve-rollout';

const USAGE =
  'usage: bench/serve.ts [--json] [--seconds N] [--warmup N] [--rollouts N] [--bare-runs N] [--client wrk|autocannon] [--no-python] [--no-rollout]';
const MODEL = 'bench-mlp';
const PATH = `/v1/models/${MODEL}:predict`;
const say = (line: string) => process.stderr.write(`[bench:serve] ${line}\n`);

function parseArgs(argv: string[]) {
  const args = {
    json: false,
    seconds: 10,
    warmup: 3,
    rollouts: 3,
    bareRuns: 20_000,
    python: true,
    rollout: true,
    client: undefined as LoadClient | undefined,
  };
  const count = (flag: string, raw: string | undefined) => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} needs a whole number >= 1\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--no-python') args.python = false;
    else if (flag === '--no-rollout') args.rollout = false;
    else if (flag === '--seconds') args.seconds = count(flag, argv[++i]);
    else if (flag === '--warmup') args.warmup = count(flag, argv[++i]);
    else if (flag === '--rollouts') args.rollouts = count(flag, argv[++i]);
    else if (flag === '--bare-runs') args.bareRuns = count(flag, argv[++i]);
    else if (flag === '--client') {
      const client = argv[++i];
      if (client !== 'wrk' && client !== 'autocannon') throw new Error(`--client is wrk or autocannon\n${USAGE}`);
      args.client = client;
    } else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  return args;
}

/** Sends the body once; throws unless the answer is 200 with the probabilities the bare run gave. */
async function checkAnswer(url: string, body: string, expected: number[]): Promise<void> {
  const reply = await fetch(`${url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = (await reply.json()) as { predictions?: { probabilities?: Record<string, number> }[] };
  const probabilities = answer.predictions?.[0]?.probabilities;
  const got = [probabilities?.['0'], probabilities?.['1']];
  if (reply.status !== 200 || got.some((p, i) => p === undefined || Math.abs(p - expected[i]) > 1e-6)) {
    throw new Error(`${url} answered ${reply.status} ${JSON.stringify(answer).slice(0, 200)}, expected ${expected}`);
  }
}

/** The gateway's run counters for the bench model: requests answered and session runs made. */
async function runCounts(url: string): Promise<{ requests: number; runs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}\\{model="${MODEL}"[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { requests: read('mlops_gateway_run_requests_total'), runs: read('mlops_gateway_session_runs_total') };
}

/** Req/s and latency at concurrency 1 and 32, and the p50 of a GET of `floorPath` at 1 (the HTTP round trip alone). */
async function loadBoth(
  server: ServerProcess,
  body: string,
  seconds: number,
  warmupSeconds: number,
  who: string,
  floorPath: string,
  client: LoadClient,
) {
  const run = async (connections: number): Promise<LoadResult> => {
    const result = await loadTest({ url: server.url, path: PATH, body, connections, seconds, warmupSeconds, client });
    say(
      `${who} c${connections}: ${result.reqPerSec.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(3)} ms, p99 ${result.p99Ms.toFixed(3)} ms`,
    );
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${who}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return result;
  };
  const c1 = await run(1);
  const before = who === 'gateway' ? await runCounts(server.url) : undefined;
  const c32 = await run(32);
  const after = before ? await runCounts(server.url) : undefined;
  const batching = before && after && { requests: after.requests - before.requests, runs: after.runs - before.runs };
  const floor = await loadTest({
    url: server.url,
    path: floorPath,
    connections: 1,
    seconds: Math.min(seconds, 3),
    warmupSeconds: 1,
    client,
  });
  say(`${who} GET ${floorPath} c1: p50 ${(floor.p50Ms * 1000).toFixed(0)} µs`);
  if (batching) say(`${who} c32: ${batching.requests} requests in ${batching.runs} session runs`);
  return { c1, c32, floor, batching };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadAtStart = loadavg()[0];
  const wrk = wrkVersion();
  if (args.client === 'wrk' && !wrk) throw new Error('--client wrk: wrk is not on the PATH (Debian package wrk)');
  const client: LoadClient = args.client ?? 'autocannon';
  const clientLine =
    client === 'wrk' ? `wrk (${wrk}) as its own process, one thread` : 'autocannon in the bench process';
  say(`load generator: ${clientLine}`);
  const peers = await preparePython(args.python);
  const home = await mkdtemp(join(tmpdir(), 'mlops-bench-serve-'));
  const token = randomBytes(16).toString('hex');
  let gateway: ServerProcess | undefined;
  try {
    const modelPath = await writeBenchModel(home, 1);
    const version = await registerBenchModel(home, MODEL, modelPath, 'bench');
    const registry = openRegistry(home);
    await registry.promote({ model: MODEL, version }).finally(() => registry.close());
    const row = benchRow(1);
    const body = predictBody(row);

    say(`bare session.run × ${args.bareRuns} …`);
    const bare = await measureBareRun(modelPath, row, args.bareRuns);
    say(`bare session.run p50 ${bare.p50Us.toFixed(1)} µs, p99 ${bare.p99Us.toFixed(1)} µs`);

    gateway = await startGatewayProcess(home, { MLOPS_GATEWAY_TOKEN: token });
    say(`gateway (pid ${gateway.pid}) at ${gateway.url}`);
    await checkAnswer(gateway.url, body, bare.probabilities);
    const ours = await loadBoth(gateway, body, args.seconds, args.warmup, 'gateway', '/v2/health/live', client);

    let peer: PeerLoad;
    if ('reason' in peers) peer = { reason: peers.reason };
    else {
      let server: ServerProcess | undefined;
      try {
        const env = { ...process.env };
        delete env.OPENBLAS_CORETYPE;
        delete env.OPENBLAS_L2_SIZE;
        env.ORT_INTRA_OP_THREADS = String(GATEWAY_INTRA_OP_THREADS);
        server = await startFastApiPeer(peers.python, modelPath, env);
        say(`FastAPI peer (pid ${server.pid}) at ${server.url}`);
        await checkAnswer(server.url, body, bare.probabilities);
        peer = await loadBoth(server, body, args.seconds, args.warmup, 'fastapi', '/health', client);
      } catch (err) {
        peer = { reason: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
        say(`FastAPI peer failed: ${peer.reason}`);
      } finally {
        await server?.stop();
      }
    }

    let decision: Parameters<typeof decisionResults>[0] = { reason: '--no-rollout was given' };
    if (args.rollout) {
      decision = await measureDecisionStep({
        home,
        gatewayUrl: gateway.url,
        token,
        rollouts: args.rollouts,
        reconcileMs: 500, // `mlops serve`'s default, which the gateway above runs with
        say,
      });
    }

    const results = [
      ...loadResults(ours, peer, client),
      overheadResult(ours.c1, bare, client),
      floorResult(ours.floor, peer, client),
      gatewayWorkResult(ours.c1, bare, ours.floor),
      batchingResult(ours.batching?.requests ?? 0, ours.batching?.runs ?? 0),
      ...decisionResults(decision),
    ];
    const machine = {
      ...describeMachine(),
      python: 'version' in peers ? peers.version : null,
      pythonPackages:
        'versions' in peers
          ? ['onnxruntime', 'fastapi', 'uvicorn'].map((n) => `${n}==${peers.versions[n] ?? 'missing'}`).join(' ')
          : null,
      load: `1-min load average ${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`,
    };
    const workload = {
      model: 'built-in exporter MLP: 32 float inputs [N,1] → 64 → 32 → 2 (label, probabilities), seeded weights',
      body: `POST ${PATH} {"instances":[{f0…f31}]}, ${Buffer.byteLength(body)} bytes, one row`,
      servers:
        `each its own process: gateway \`mlops serve\` (onnxruntime-node, default session options but ${GATEWAY_INTRA_OP_THREADS} thread per operator, micro-batching on (256 rows), prediction log, metrics and stats on); ` +
        `FastAPI + uvicorn, one worker, the same session options; the bare session.run likewise; load: ${clientLine}`,
    };
    const report = { bench: 'serve', machine, workload, results };
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${formatServeTable(machine, results)}\n`);
  } finally {
    await gateway?.stop();
    await rm(home, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:serve failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
