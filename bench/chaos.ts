/**
 * bench:chaos — full lifecycles (`once: true`) on an embedded server with worker PROCESSES, several per queue;
 * in every run a worker is killed with SIGKILL at a random moment and a replacement starts. Every other run is
 * a second version rolled out as a canary under live traffic. After each run the registry and Temporal's
 * records are audited for the designed end state and for duplicates. One JSON object with --json.
 *   npm run chaos -- [--json] [--runs N] [--workers N] [--seed N] [--no-canary] [--worker-logs DIR]
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { startLifecycle } from '../client/lifecycle';
import { loadConfig } from '../lib/config';
import { openRegistry } from '../lib/registry';
import { startGateway } from '../lib/serving';
import { ephemeralPorts } from '../lib/temporal/ports';
import { provisionTemporal } from '../lib/temporal/provision';
import { seededRandom } from '../lib/data/random';
import type { LifecycleStatus } from '../workflows/contracts';
import { chaosReport, formatChaosTable, parseChaosArgs } from './chaos-report';
import type { RunRecord } from './chaos-report';
import { auditRun } from './chaos-audit';
import type { LifecycleRecord } from './chaos-audit';
import { chaosSpec, inFlight, startTraffic, writeChaosData } from './chaos-spec';
import { WorkerPool } from './chaos-workers';
import type { WorkerKind } from './chaos-workers';
import { median, progress, setProgressName } from './measure';

const KINDS: WorkerKind[] = ['control', 'data', 'gpu'];
const TOKEN = 'chaos-bench-token-0123456789';
/** What a canary adds to a lifecycle without a kill: two bakes of 3 s, the judging and the probe, seconds. */
const ROLLOUT_SECONDS = 9;
/** A run that has not ended after this long is a failed run. */
const RUN_TIMEOUT_MS = 300_000;

async function main(): Promise<void> {
  const args = parseChaosArgs(process.argv.slice(2));
  setProgressName('chaos');
  const random = seededRandom(args.seed);
  const home = await mkdtemp(join(tmpdir(), 'mlops-bench-chaos-'));
  const config = loadConfig({ ...process.env, MLOPS_HOME: home });
  progress('starting a Temporal server and a gateway for the benchmark …');
  const stack = await provisionTemporal({ config, ports: await ephemeralPorts(), withUi: false });
  const gateway = await startGateway({ home, port: 0, token: TOKEN, logger: pino({ level: 'silent' }) });
  const registry = openRegistry(home);
  const connection = await Connection.connect({ address: stack.address });
  const client = new Client({ connection, namespace: config.namespace });
  const suffix = Date.now().toString(36);
  const queues = { control: `chaos-control-${suffix}`, data: `chaos-data-${suffix}`, gpu: `chaos-gpu-${suffix}` };
  if (args.workerLogs) await mkdir(args.workerLogs, { recursive: true });
  const pool = new WorkerPool({
    logDir: args.workerLogs,
    connection,
    namespace: config.namespace,
    queues,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.address,
      MLOPS_HOME: home,
      MLOPS_GATEWAY_TOKEN: TOKEN,
      MLOPS_GATEWAY_URLS: gateway.url,
    },
  });
  const runs: RunRecord[] = [];
  try {
    const data = await writeChaosData(home);
    progress(`starting ${args.workers} worker processes per queue …`);
    for (const kind of KINDS) for (let i = 0; i < args.workers; i++) await pool.start(kind);
    // How long a lifecycle takes without a kill: the kill lands at a random moment within it. The canary runs'
    // first lifecycles are never killed, so their median is the first version's time; a canary adds its two
    // bakes and the judging around them. Without canary runs, the fastest first version seen (a kill only
    // makes a lifecycle longer).
    const seen = { seed: [] as number[], first: [] as number[] };
    const estimate = (kind: 'first' | 'canary') => {
      const first = seen.seed.length > 0 ? median(seen.seed) : seen.first.length > 0 ? Math.min(...seen.first) : 12;
      return kind === 'first' ? first : first + ROLLOUT_SECONDS;
    };

    for (let i = 0; i < args.runs; i++) {
      const canary = args.canary && i % 2 === 1;
      const model = `chaos-${i + 1}`;
      const spec = chaosSpec(model, data, gateway.url);
      const lifecycles: LifecycleRecord[] = [];
      const started = Date.now();
      const runOnce = async (expectedChampion: number) => {
        const handle = await startLifecycle(client, spec, { queues, once: true });
        // once: true never continues as new, so the run the handle describes is the first one.
        const record: LifecycleRecord = { runId: (await handle.describe()).runId, expectedChampion };
        lifecycles.push(record);
        return { handle, record };
      };
      if (canary) {
        // The first version, deployed without a kill; the run is the second version's canary.
        const first = await runOnce(1);
        const t0 = Date.now();
        try {
          first.record.status = await first.handle.result();
          seen.seed.push((Date.now() - t0) / 1000);
        } catch (err) {
          first.record.error = err instanceof Error ? err.message : String(err);
        }
      }
      const traffic = canary ? startTraffic(gateway.url, model) : undefined;
      const { handle, record } = await runOnce(canary ? 2 : 1);
      const t0 = Date.now();
      const delay = random() * 0.9 * estimate(canary ? 'canary' : 'first');
      let done = false;
      const kill = (async (): Promise<RunRecord['killed']> => {
        await new Promise((r) => setTimeout(r, delay * 1000));
        const now = await inFlight(client, handle);
        const busy = pool.workers().filter((w) => now.identities.includes(w.identity));
        // Half the kills hit a worker running this lifecycle's activity (when one is), half any worker.
        const candidates = busy.length > 0 && random() < 0.5 ? busy : pool.workers();
        const victim = candidates[Math.floor(random() * candidates.length)];
        const what = done || now.closed ? 'after the lifecycle ended' : now.doing.join(', ');
        await pool.kill(victim);
        progress(`  killed ${victim.kind} worker ${victim.pid} at ${delay.toFixed(1)} s, during: ${what}`);
        const killed = {
          kind: victim.kind,
          pid: victim.pid,
          atSeconds: Number(delay.toFixed(2)),
          busy: now.identities.includes(victim.identity),
          during: what,
        };
        await pool.start(victim.kind); // a replacement joins, as a supervisor or autoscaler would start one
        return killed;
      })();
      kill.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
      let timer: NodeJS.Timeout | undefined;
      try {
        record.status = await Promise.race([
          handle.result(),
          new Promise<LifecycleStatus>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no result after ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
          }),
        ]);
      } catch (err) {
        record.error = err instanceof Error ? err.message : String(err);
        await handle.terminate('bench:chaos gave up on it').catch(() => undefined);
      } finally {
        clearTimeout(timer);
        done = true;
      }
      const seconds = (Date.now() - t0) / 1000;
      const killed = await kill;
      const requests = await traffic?.stop();
      if (!record.error && !canary) seen.first.push(seconds);
      const audit = await auditRun(client, registry, model, lifecycles);
      runs.push({
        run: i + 1,
        model,
        kind: canary ? 'canary' : 'first',
        seconds: Number(((Date.now() - started) / 1000).toFixed(2)),
        lifecycleSeconds: Number(seconds.toFixed(2)),
        killed,
        requests,
        ...audit,
      });
      for (const r of audit.retries)
        progress(`  retried: ${r.type} attempt ${r.attempt} after: ${r.why.slice(0, 160)}`);
      if (audit.trainingIdCollisions > 0) progress(`  both lifecycles trained as ${audit.trainingIds[0]}`);
      const verdict = audit.ok ? 'ok' : `FAILED: ${audit.problems.join('; ')}`;
      progress(
        `run ${i + 1}/${args.runs} ${model} (${canary ? 'canary v2' : 'first v1'}): ${seconds.toFixed(1)} s, ` +
          `training attempts ${audit.trainingAttempts.join('/')}, lost steps ${audit.lostSteps}: ${verdict}`,
      );
    }
  } finally {
    await pool.stopAll();
    await connection.close().catch(() => undefined);
    await registry.close();
    await gateway.close();
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  }
  const report = chaosReport(runs, args);
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${formatChaosTable(report, runs)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:chaos failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
