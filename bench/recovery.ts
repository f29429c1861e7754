/**
 * bench:recovery — how training survives losing its worker. SIGKILL trials kill the GPU worker that runs
 * the training at a random step (heartbeat timeout 5 s); another worker resumes from the last heartbeated
 * checkpoint. SIGTERM trials send the spot notice instead. Prints one JSON object with --json.
 *   npm run bench:recovery -- [--json] [--trials N]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { generateTable } from '../lib/data/generate';
import { seededRandom } from '../lib/data/random';
import { writeTable } from '../lib/data/write';
import { loadConfig } from '../lib/config';
import { ephemeralPorts } from '../lib/temporal/ports';
import { provisionTemporal } from '../lib/temporal/provision';
import { WORKFLOWS_PATH } from '../workers/bootstrap';
import type { trainingWorkflow } from '../workflows';
import type { TrainingHeartbeat } from '../workflows/contracts';

const MLOPS = join(__dirname, '..', 'bin', 'mlops.js');
const CHECKPOINT_EVERY = 200;
const args = process.argv.slice(2);
const json = args.includes('--json');
const trialsArg = args.indexOf('--trials');
const TRIALS = trialsArg >= 0 ? Number(args[trialsArg + 1]) : 20;
const say = (line: string) => process.stderr.write(`${line}\n`);

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const home = await mkdtemp(join(tmpdir(), 'mlops-bench-recovery-'));
  const config = loadConfig({ ...process.env, MLOPS_HOME: home });
  say('starting a Temporal server for the benchmark …');
  const stack = await provisionTemporal({
    config,
    ports: process.env.TEMPORAL_ADDRESS ? undefined : await ephemeralPorts(),
    withUi: false,
  });
  const workers = new Map<number, ChildProcess>();
  try {
    const train = join(home, 'train.parquet');
    const valid = join(home, 'valid.parquet');
    await writeTable(generateTable({ rows: 20_000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 4000, seed: 2 }), valid);
    const connection = await Connection.connect({ address: stack.address });
    const client = new Client({ connection, namespace: config.namespace });
    const native = await NativeConnection.connect({ address: stack.address });
    const control = await Worker.create({
      connection: native,
      taskQueue: 'bench-control',
      workflowsPath: WORKFLOWS_PATH,
    });
    const gpuQueue = 'bench-gpu';
    const startWorker = () => {
      const child = spawn(process.execPath, [MLOPS, 'worker', '--queue', 'gpu', '--task-queue', gpuQueue], {
        env: { ...process.env, TEMPORAL_ADDRESS: stack.address, MLOPS_HOME: home, MLOPS_LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      workers.set(child.pid!, child);
      child.on('exit', () => workers.delete(child.pid!));
    };
    const random = seededRandom(7);
    const results = await control.runUntil(async () => {
      startWorker();
      startWorker();
      await new Promise((r) => setTimeout(r, 8000)); // both workers polling
      const runTrial = async (kind: 'SIGKILL' | 'SIGTERM', index: number) => {
        const handle = await client.workflow.start<typeof trainingWorkflow>('trainingWorkflow', {
          taskQueue: 'bench-control',
          workflowId: `bench-${kind}-${index}-${Date.now()}`,
          args: [
            {
              model: 'bench',
              trainer: 'builtin:mlp',
              train,
              valid,
              label: 'label',
              params: { maxEpochs: 60, patience: 60, batchSize: 128, checkpointEvery: CHECKPOINT_EVERY },
              heartbeatTimeoutSeconds: 5,
              queues: { gpu: gpuQueue },
            },
          ],
        });
        const read = (
          raw:
            | {
                attempt?: number | null;
                lastWorkerIdentity?: string | null;
                heartbeatDetails?: { payloads?: unknown[] | null } | null;
              }
            | undefined,
        ) => {
          if (!raw) return undefined;
          const payload = raw.heartbeatDetails?.payloads?.[0];
          const beat = payload
            ? (defaultPayloadConverter.fromPayload(payload as never) as TrainingHeartbeat)
            : undefined;
          return { attempt: raw.attempt ?? 1, identity: raw.lastWorkerIdentity ?? '', beat };
        };
        const pending = async () => read((await handle.describe()).raw.pendingActivities?.[0] ?? undefined);
        // Let it train a random while (heartbeats reach the server within a second), then kill its worker.
        let state = await pending();
        while (!state?.beat || state.beat.step === 0) {
          await new Promise((r) => setTimeout(r, 50));
          state = await pending();
        }
        await new Promise((r) => setTimeout(r, 500 + random() * 4000));
        state = await pending();
        if (!state?.beat) throw new Error('the training finished before the kill; lengthen it');
        const pid = Number(state.identity.split('@')[0]);
        const killedAt = Date.now();
        process.kill(pid, kind);
        startWorker(); // a replacement node joins, as an autoscaler would add one
        // Resumed: another worker reports progress past the checkpoint it started from.
        let resumedAfter = NaN;
        let resumedStep = 0;
        for (;;) {
          const description = await handle.describe();
          if (description.status.name !== 'RUNNING') break;
          const now = read(description.raw.pendingActivities?.[0] ?? undefined);
          if (now?.beat && now.identity !== state.identity && now.beat.step > now.beat.checkpointStep) {
            resumedAfter = (Date.now() - killedAt) / 1000;
            resumedStep = now.beat.checkpointStep;
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        const result = await handle.result();
        const killedStep = resumedStep + result.lostSteps;
        say(
          `${kind} trial ${index + 1}: killed at step ${killedStep}, resumed after ${resumedAfter.toFixed(2)} s, lost ${result.lostSteps}`,
        );
        return { resumedAfter, lostSteps: result.lostSteps, killedStep };
      };
      const sigkill = [];
      for (let i = 0; i < TRIALS; i++) sigkill.push(await runTrial('SIGKILL', i));
      const sigterm = [];
      for (let i = 0; i < TRIALS; i++) sigterm.push(await runTrial('SIGTERM', i));
      return { sigkill, sigterm };
    });
    await connection.close();
    await native.close();
    const resumes = results.sigkill.map((t) => t.resumedAfter).filter((v) => !Number.isNaN(v));
    const report = {
      bench: 'recovery',
      machine: {
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      results: [
        {
          name: 'resume-after-sigkill-p50',
          unit: 's',
          value: percentile(resumes, 0.5),
          higherIsBetter: false,
          baselines: [{ name: 'heartbeat-timeout', value: 5 }],
        },
        {
          name: 'resume-after-sigkill-p95',
          unit: 's',
          value: percentile(resumes, 0.95),
          higherIsBetter: false,
          baselines: [{ name: 'target', value: 10 }],
        },
        {
          name: 'lost-steps-after-sigkill-max',
          unit: 'steps',
          value: Math.max(...results.sigkill.map((t) => t.lostSteps)),
          higherIsBetter: false,
          baselines: [{ name: 'no-checkpoint', value: Math.max(...results.sigkill.map((t) => t.killedStep)) }],
        },
        {
          name: 'lost-steps-after-sigterm-max',
          unit: 'steps',
          value: Math.max(...results.sigterm.map((t) => t.lostSteps)),
          higherIsBetter: false,
          baselines: [{ name: 'no-checkpoint', value: Math.max(...results.sigterm.map((t) => t.killedStep)) }],
        },
        {
          name: 'checkpoint-interval-steps',
          unit: 'steps',
          value: CHECKPOINT_EVERY,
          higherIsBetter: false,
          baselines: [],
        },
      ],
      trials: TRIALS,
    };
    if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else for (const r of report.results) process.stdout.write(`${r.name.padEnd(30)} ${r.value} ${r.unit}\n`);
  } finally {
    for (const child of workers.values()) child.kill('SIGKILL');
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:recovery failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
