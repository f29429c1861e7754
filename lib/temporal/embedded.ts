/** The embedded Temporal stack: the pinned server on a SQLite file plus the Web UI server. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProvisionError } from './binaries';
import { temporalAnswers } from './connection';
import type { ServerPorts } from './ports';
import { isListening } from './ports';
import { startProcess } from './process';
import type { ManagedProcess } from './process';
import { renderEmbeddedConfig } from './server-config';

/** Options of `startEmbeddedServer`. */
export interface EmbeddedServerOptions {
  serverBinary: string;
  /** The UI server binary; the UI is skipped when undefined. */
  uiBinary?: string;
  home: string;
  ports: ServerPorts;
  namespace: string;
  /** How long to wait for the frontend to answer. */
  readyTimeoutMs?: number;
}

/** A running embedded server (and UI). */
export interface EmbeddedServer {
  address: string;
  uiUrl?: string;
  dbFile: string;
  server: ManagedProcess;
  ui?: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts the server on its SQLite file, waits until it answers, then starts the UI. */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const { ports } = options;
  const address = `127.0.0.1:${ports.frontend}`;
  for (const [what, port] of [
    ['Temporal gRPC', ports.frontend],
    ['Web UI', ports.ui],
  ] as const) {
    if (await isListening('127.0.0.1', port)) {
      throw new ProvisionError(
        `port ${port} (${what}) on 127.0.0.1 is already in use: stop what listens there, or choose other ports (TEMPORAL_ADDRESS, MLOPS_UI_PORT)`,
      );
    }
  }
  const rendered = await renderEmbeddedConfig({ home: options.home, ports, namespace: options.namespace });
  await mkdir(rendered.dir, { recursive: true });
  const server = startProcess({
    name: 'temporal-server',
    command: options.serverBinary,
    args: ['--config-file', rendered.serverConfig, '--allow-no-auth', 'start'],
    logFile: join(rendered.dir, 'server.log'),
    cwd: rendered.dir,
  });
  await waitForFrontend(server, address, options.readyTimeoutMs ?? 120000);
  let ui: ManagedProcess | undefined;
  if (options.uiBinary) {
    ui = startProcess({
      name: 'temporal-ui',
      command: options.uiBinary,
      args: ['--root', rendered.uiRoot, '--config', 'config', '--env', 'development', 'start'],
      logFile: join(rendered.dir, 'ui.log'),
      cwd: rendered.uiRoot,
    });
    await waitForPort(ui, ports.ui, 30000);
  }
  return {
    address,
    uiUrl: ui ? `http://127.0.0.1:${ports.ui}` : undefined,
    dbFile: rendered.dbFile,
    server,
    ui,
    async stop() {
      await ui?.stop();
      await server.stop();
    },
  };
}

async function waitForFrontend(server: ManagedProcess, address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void server.exited.then((code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new ProvisionError(`Temporal server exited (${exited}) during start-up: ${await server.logTail(3)}`);
    }
    if (await temporalAnswers({ temporalAddress: address }, 2000)) return;
    await sleep(300);
  }
  await server.stop();
  throw new ProvisionError(
    `Temporal server did not answer on ${address} within ${timeoutMs / 1000}s; see ${server.logFile}`,
  );
}

async function waitForPort(process: ManagedProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void process.exited.then((code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new ProvisionError(`${process.name} exited (${exited}) during start-up: ${await process.logTail(3)}`);
    }
    if (await isListening('127.0.0.1', port)) return;
    await sleep(200);
  }
  throw new ProvisionError(`${process.name} did not listen on 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}
