/** `mlops up`, `mlops demo` and `mlops server`: the embedded stack in one process tree. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Worker } from '@temporalio/worker';
import { loadConfig } from '../../lib/config';
import type { MlopsConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { ensureBinaries } from '../../lib/temporal/binaries';
import { startGateway } from '../../lib/serving';
import type { Gateway } from '../../lib/serving';
import { provisionTemporal } from '../../lib/temporal/provision';
import type { TemporalStack } from '../../lib/temporal/provision';
import { TaskQueue } from '../../workflows/contracts';
import { connectWorker, createQueueWorker, installRuntime, runUntilSignal } from '../../workers/bootstrap';
import { createClient } from '../connection';
import { runDatasetCheck } from '../dataset';
import { runLifecycleDemo } from '../demo';
import { startEncryptedUi } from './codec-server';
import type { EncryptedUi } from './codec-server';
import { printDatasetCheck } from './data';
import { printTable, progress } from './output';

/** The sample dataset `mlops demo` checks. */
export const DEMO_DATASET = resolve(__dirname, '..', '..', 'examples', 'data', 'churn-sample.csv');

function printAddresses(stack: TemporalStack, config: MlopsConfig, gateway?: Gateway, encrypted?: EncryptedUi): void {
  const uiUrl = encrypted ? encrypted.uiUrl : stack.uiUrl;
  const rows: [string, string][] = [
    ['Temporal gRPC', stack.address],
    ['Temporal Web UI', uiUrl ?? '(not started: the server is external or the UI is off)'],
    [
      'gateway',
      gateway
        ? `${gateway.url} (serves every model's champion; admin token in ${gateway.tokenFile ?? 'MLOPS_GATEWAY_TOKEN'})`
        : '(off)',
    ],
    ['server', stack.mode === 'external' ? `external at ${stack.address}` : `${stack.mode}, SQLite ${stack.dbFile}`],
    ['namespace', stack.namespace],
    ['state folder', config.home],
  ];
  // Encryption off leaves the table as it always was; on, it says where the key and the codec server are.
  if (encrypted) {
    const token = encrypted.codec.tokenFile ?? 'MLOPS_CODEC_TOKEN';
    rows.push([
      'payload encryption',
      `on (${config.encryptionKeyFile}); codec server ${encrypted.codec.server.url}, token in ${token}`,
    ]);
    if (uiUrl) rows.push(['decoded Web UI', `sign the browser in once at ${encrypted.codec.loginUrl}`]);
  }
  printTable(rows);
}

/** Starts server (or reuses one), UI and all three workers; runs `afterReady` once they poll. */
async function runStack(options: {
  ui: boolean;
  gateway: boolean;
  /** Prediction-log window of the gateway in ms (the demo uses a short one so drift shows quickly). */
  gatewayLogWindowMs?: number;
  afterReady?: (config: MlopsConfig, stack: TemporalStack, gateway?: Gateway, uiUrl?: string) => Promise<void>;
}): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'mlops-up', { human: true });
  // With encryption on, the UI is started after the codec server, with the codec endpoint in its config.
  const encryption = Boolean(config.encryptionKeyFile);
  const stack = await provisionTemporal({ config, withUi: options.ui && !encryption, onProgress: progress });
  const stackConfig = { ...config, temporalAddress: stack.address };
  let workers: Worker[] = [];
  let gateway: Gateway | undefined;
  let encrypted: EncryptedUi | undefined;
  try {
    encrypted = await startEncryptedUi(stackConfig, stack, options.ui, logger);
    installRuntime(logger);
    const connection = await connectWorker(stackConfig);
    for (const queue of [TaskQueue.control, TaskQueue.data, TaskQueue.gpu]) {
      workers.push(await createQueueWorker({ queue, connection, config: stackConfig, logger }));
    }
    if (options.gateway) {
      gateway = await startGateway({
        home: config.home,
        port: config.gatewayPort,
        host: '127.0.0.1',
        logger,
        logWindowMs: options.gatewayLogWindowMs,
      });
    }
  } catch (err) {
    await encrypted?.stop();
    await stack.stop();
    workers = [];
    throw err;
  }
  const running = runUntilSignal(workers, logger, {
    onRunning: () => {
      printAddresses(stack, config, gateway, encrypted);
      progress(`workers polling: control, data, gpu${gateway ? `; gateway on ${gateway.url}` : ''}`);
      progress('mlops is ready. Press Ctrl-C to stop.');
    },
    onStopped: async () => {
      if (gateway) await gateway.close();
      await encrypted?.stop();
      progress('workers stopped; stopping the Temporal server');
      await stack.stop();
      progress('stopped');
    },
  });
  if (options.afterReady) {
    // The demo's work runs beside the workers; a failure is reported but leaves the stack up to inspect.
    const uiUrl = encrypted ? encrypted.uiUrl : stack.uiUrl;
    options.afterReady(stackConfig, stack, gateway, uiUrl).catch((err: unknown) => {
      progress(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  await running;
}

/** Registers `up`, `demo` and `server`. */
export function registerStackCommands(program: Command): void {
  program
    .command('up')
    .description('start the Temporal server (embedded by default), the Web UI and all workers; Ctrl-C stops them')
    .option('--no-ui', 'do not start the Web UI')
    .option('--no-gateway', 'do not start the serving gateway')
    .action(async (opts: { ui: boolean; gateway: boolean }) => runStack({ ui: opts.ui, gateway: opts.gateway }));

  program
    .command('demo')
    .description('`mlops up`, then the whole lifecycle: train, evaluate, register, deploy, drift, retrain, canary')
    .option('--model <name>', 'model name for the demo', 'churn')
    .action(async (opts: { model: string }) =>
      runStack({
        ui: true,
        gateway: true,
        gatewayLogWindowMs: 5000,
        afterReady: async (config, _stack, gateway, uiUrl) => {
          const client = await createClient(config);
          try {
            progress(`checking ${DEMO_DATASET}`);
            printDatasetCheck(await runDatasetCheck({ client, dataset: DEMO_DATASET, model: opts.model }));
            if (uiUrl) {
              const query = encodeURIComponent(`MlModel="${opts.model}"`);
              progress(
                `watch the lifecycle in the Web UI: ${uiUrl}/namespaces/${config.namespace}/workflows?query=${query}`,
              );
            }
            if (!gateway) throw new Error('the demo needs the gateway');
            const result = await runLifecycleDemo({
              client,
              home: config.home,
              gatewayUrl: gateway.url,
              model: opts.model,
              onProgress: progress,
            });
            printTable([
              ['model', result.model],
              ['first version', result.firstVersion ?? '-'],
              [
                'retraining',
                `${result.final.lastOutcome?.outcome ?? '-'} (version ${result.final.lastOutcome?.version ?? '-'})`,
              ],
              ['champion now', result.final.champion ?? '-'],
              ['drifted columns', result.final.lastDrift?.drifted.join(', ') ?? '-'],
              ['requests served', result.requests],
              ['demo took', `${result.seconds.toFixed(0)} s`],
            ]);
            progress(`the lifecycle keeps monitoring; mlops pipeline status ${opts.model}. Ctrl-C stops the stack`);
          } finally {
            await client.connection.close();
          }
        },
      }),
    );

  const server = program.command('server').description('the Temporal server alone');
  server
    .command('start', { isDefault: true })
    .description('start (or reuse) the Temporal server and Web UI without workers; Ctrl-C stops them')
    .option('--no-ui', 'do not start the Web UI')
    .action(async (opts: { ui: boolean }) => {
      const config = loadConfig();
      const encryption = Boolean(config.encryptionKeyFile);
      const stack = await provisionTemporal({ config, withUi: opts.ui && !encryption, onProgress: progress });
      const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'mlops-server', {
        human: true,
      });
      const encrypted = await startEncryptedUi(
        { ...config, temporalAddress: stack.address },
        stack,
        opts.ui,
        logger,
      ).catch(async (err: unknown) => {
        await stack.stop();
        throw err;
      });
      printAddresses(stack, config, undefined, encrypted);
      progress('Temporal is ready. Press Ctrl-C to stop.');
      await new Promise<void>((resolveStop) => {
        const stop = () => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await encrypted?.stop();
      await stack.stop();
      progress('stopped');
    });
  server
    .command('install')
    .description('build the pinned Temporal server and Web UI into the cache (go install) if missing')
    .action(async () => {
      const config = loadConfig();
      const paths = await ensureBinaries({ cacheDir: config.cacheDir, onProgress: progress });
      printTable([
        ['server', paths.server],
        ['ui', paths.ui],
      ]);
    });
}
