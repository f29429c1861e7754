/**
 * The ONNX serving gateway: an HTTP server that reconciles to the registry's routes, answers OIP v2 and row
 * requests, exposes metrics and windowed stats, logs predictions, and stops cleanly (flushing the log).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { RequestListener, Server as HttpServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { openArtifactStore } from '../artifacts';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logging';
import { openRegistry } from '../registry';
import type { GatewayContext } from './context';
import { sendError } from './http';
import { GatewayMetrics } from './metrics';
import { ModelPreflight } from './preflight';
import { PredictionLog } from './prediction-log';
import { Reconciler } from './reconciler';
import { dispatch } from './router';
import { gatewaySettings } from './settings';
import type { TlsFiles } from './settings';
import { resolveGatewayToken } from './token';
import { WindowStats } from './window-stats';

/** Options of `startGateway`; each left out comes from the environment (MLOPS_GATEWAY_*) or its default. */
export interface StartGatewayOptions {
  /** State folder (MLOPS_HOME): registry, artifacts, prediction log, token file. */
  home: string;
  /** Port to listen on; 0 picks a free one. Default MLOPS_GATEWAY_PORT, else 8080. */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Interval between polls of the registry's routes, ms (default 500). */
  reconcileMs?: number;
  logger?: Logger;
  /** Largest request body in bytes (default MLOPS_GATEWAY_MAX_BODY, else 4 MiB). */
  maxBodyBytes?: number;
  /** Prediction-log window, ms (default MLOPS_GATEWAY_LOG_WINDOW_S, else 60 s). */
  logWindowMs?: number;
  /** Admin bearer token (default MLOPS_GATEWAY_TOKEN, else the token file). */
  token?: string;
  /** Replica name in stats and log segment names (default MLOPS_GATEWAY_REPLICA, else host-pid-random). */
  replica?: string;
  /** Threads onnxruntime uses inside one operator (default MLOPS_GATEWAY_INTRA_OP_THREADS, else 1; 0: its choice). */
  intraOpThreads?: number;
  /** Most rows one micro-batched run joins (default MLOPS_GATEWAY_MAX_BATCH_ROWS, else 256; 1 turns it off). */
  maxBatchRows?: number;
  /** Time a model-loading preflight child may take (default MLOPS_GATEWAY_PREFLIGHT_TIMEOUT_S, else 60 s). */
  preflightTimeoutMs?: number;
  /** Serve HTTPS with these PEM files (default MLOPS_GATEWAY_TLS_CERT_PATH and _KEY_PATH, else plain HTTP). */
  tls?: TlsFiles;
  /** Environment to read settings from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** A running gateway. */
export interface Gateway {
  /** `http://host:port`, or `https://` with TLS. */
  url: string;
  port: number;
  replica: string;
  /** The file holding the admin token; undefined when it came from the environment or options. */
  tokenFile?: string;
  /** Stops accepting requests, lets those in flight finish, writes the prediction log and releases sessions. */
  close(): Promise<void>;
}

/** How long `close` waits for requests in flight before cutting their connections. */
const DRAIN_MS = 10_000;

type Server = HttpServer | HttpsServer;

/** An HTTP server, or an HTTPS one when TLS files are given; ConfigError when they cannot be read or used. */
async function createGatewayServer(tls: TlsFiles | undefined, handler: RequestListener): Promise<Server> {
  if (!tls) return createServer(handler);
  const read = (path: string, what: string) =>
    readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError(`cannot read the gateway's TLS ${what} ${path} (${err.code ?? err.message})`);
    });
  const [cert, key] = [await read(tls.certPath, 'certificate'), await read(tls.keyPath, 'key')];
  try {
    return createTlsServer({ cert, key }, handler);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new ConfigError(
      `the gateway's TLS certificate ${tls.certPath} and key ${tls.keyPath} do not load: ${reason}`,
    );
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES' && err.code !== 'EADDRNOTAVAIL') return reject(err);
      const why = err.code === 'EADDRINUSE' ? 'is in use' : err.code === 'EACCES' ? 'is not allowed' : 'is not local';
      reject(new ConfigError(`gateway address ${host}:${port} ${why}: pass another --port or MLOPS_GATEWAY_PORT`));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve(server.address() as AddressInfo);
    });
  });
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS).unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Starts a gateway on `home`: loads what the registry routes, then listens. */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const env = options.env ?? process.env;
  const settings = gatewaySettings(env);
  const replica = options.replica ?? settings.replica;
  const logger = (options.logger ?? createLogger()).child({ component: 'gateway', replica });
  const registry = openRegistry(options.home);
  const store = openArtifactStore(options.home);
  const metrics = new GatewayMetrics();
  const preflight = new ModelPreflight({
    timeoutMs: options.preflightTimeoutMs ?? settings.preflightTimeoutMs,
    logger,
  });
  const maxBatchRows = options.maxBatchRows ?? settings.maxBatchRows;
  const intraOpThreads = options.intraOpThreads ?? settings.intraOpThreads;
  const source = { registry, store, intraOpThreads, preflight, maxBatchRows };
  const reconciler = new Reconciler(source, logger, (table) => metrics.setRoutes(table));
  const log = new PredictionLog(options.home, {
    windowMs: options.logWindowMs ?? settings.logWindowMs,
    replica,
    logger,
  });
  let server: Server | undefined;
  try {
    const token = await resolveGatewayToken(options.home, options.token ?? settings.token);
    await reconciler.reconcile();
    const ctx: GatewayContext = {
      registry,
      reconciler,
      metrics,
      stats: new WindowStats(replica),
      log,
      logger,
      token: token.token,
      replica,
      maxBodyBytes: options.maxBodyBytes ?? settings.maxBodyBytes,
    };
    const tls = options.tls ?? settings.tls;
    server = await createGatewayServer(tls, (req, res) => {
      dispatch(ctx, req, res).catch((err: unknown) => {
        if (sendError(res, err) >= 500) logger.error({ err, url: req.url }, 'request failed');
      });
    });
    server.keepAliveTimeout = 5000;
    const host = options.host ?? '127.0.0.1';
    const address = await listen(server, options.port ?? loadConfig(env).gatewayPort, host);
    reconciler.start(options.reconcileMs ?? settings.reconcileMs);
    log.start();
    const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    logger.info({ url, tokenFile: token.file }, 'gateway listening');
    let closing: Promise<void> | undefined;
    const running = server;
    const close = async () => {
      await stopServer(running);
      await reconciler.stop();
      await log.close();
      await registry.close();
      logger.info({ url }, 'gateway stopped');
    };
    return { url, port: address.port, replica, tokenFile: token.file, close: () => (closing ??= close()) };
  } catch (err) {
    server?.close();
    await reconciler.stop();
    await log.close();
    await registry.close();
    throw err;
  }
}
