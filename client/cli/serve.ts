/** `mlops serve`: the ONNX serving gateway on MLOPS_HOME until Ctrl-C or SIGTERM. */
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import { startGateway, tlsFiles } from '../../lib/serving';
import { CliError } from './errors';
import { progress } from './output';

function integer(what: string, min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new CliError(`${what} must be an integer from ${min} to ${max}, got '${raw}'`);
    }
    return value;
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Registers `serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the ONNX serving gateway (OIP v2, /v1 rows, /metrics, admin API) until Ctrl-C or SIGTERM')
    .option(
      '--port <n>',
      'port to listen on; 0 picks a free one (default MLOPS_GATEWAY_PORT or 8080)',
      integer('--port', 0, 65535),
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--reconcile-ms <n>',
      'how often to poll the registry for routes, in ms (default 500)',
      integer('--reconcile-ms', 50, 600000),
    )
    .option('--tls-cert <path>', 'serve HTTPS with this PEM certificate (default MLOPS_GATEWAY_TLS_CERT_PATH)')
    .option('--tls-key <path>', 'private key of --tls-cert, PEM (default MLOPS_GATEWAY_TLS_KEY_PATH)')
    .action(async (opts: { port?: number; host: string; reconcileMs?: number; tlsCert?: string; tlsKey?: string }) => {
      const config = loadConfig();
      const tls =
        opts.tlsCert !== undefined || opts.tlsKey !== undefined
          ? tlsFiles(opts.tlsCert, opts.tlsKey, '--tls-cert and --tls-key')
          : undefined;
      const logger = createLogger(config.logLevel, 'mlops-serve');
      const stopped = untilSignal();
      const gateway = await startGateway({
        home: config.home,
        port: opts.port ?? config.gatewayPort,
        host: opts.host,
        reconcileMs: opts.reconcileMs,
        tls,
        logger,
      });
      process.stdout.write(`gateway listening on ${gateway.url}\n`);
      if (gateway.tokenFile) progress(`admin token in ${gateway.tokenFile}`);
      const signal = await stopped;
      progress(`${signal}: stopping the gateway (writing the prediction log)`);
      await gateway.close();
      progress('gateway stopped');
    });
}
