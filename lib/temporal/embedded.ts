/** The embedded Temporal stack: the pinned server on a SQLite file plus the Web UI server. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ProvisionError } from './binaries';
import { temporalAnswers } from './connection';
import type { ServerPorts } from './ports';
import { isListening } from './ports';
import { startProcess, waitUntilReady } from './process';
import type { ManagedProcess } from './process';
import { renderEmbeddedConfig, renderUiConfig } from './server-config';
import type { UiCodecConfig } from './server-config';

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
  /** The UI's codec server, when payloads are encrypted (the UI then shows them decoded). */
  codec?: UiCodecConfig;
}

/** Options of `startEmbeddedUi`. */
export interface EmbeddedUiOptions {
  uiBinary: string;
  /** Folder for the UI's config and log (`<home>/temporal` for the embedded stack). */
  dir: string;
  temporalAddress: string;
  port: number;
  namespace: string;
  codec?: UiCodecConfig;
}

/**
 * Starts the pinned Web UI server on 127.0.0.1:`port` against `temporalAddress` and waits until it listens. Used by
 * the embedded stack, and by `mlops up` to start the UI with a codec endpoint next to a server it provisioned.
 */
export async function startEmbeddedUi(options: EmbeddedUiOptions): Promise<ManagedProcess> {
  if (await isListening('127.0.0.1', options.port)) {
    throw new ProvisionError(
      `port ${options.port} (Web UI) on 127.0.0.1 is already in use: stop what listens there, or set MLOPS_UI_PORT`,
    );
  }
  const root = join(options.dir, 'ui');
  await renderUiConfig({
    root,
    temporalAddress: options.temporalAddress,
    uiPort: options.port,
    namespace: options.namespace,
    codec: options.codec,
  });
  const ui = startProcess({
    name: 'temporal-ui',
    command: options.uiBinary,
    args: ['--root', root, '--config', 'config', '--env', 'development', 'start'],
    logFile: join(options.dir, 'ui.log'),
    cwd: root,
  });
  await waitUntilReady(ui, () => isListening('127.0.0.1', options.port), {
    timeoutMs: 30000,
    what: `listen on 127.0.0.1:${options.port}`,
  });
  return ui;
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
  const rendered = await renderEmbeddedConfig({
    home: options.home,
    ports,
    namespace: options.namespace,
    codec: options.codec,
  });
  await mkdir(rendered.dir, { recursive: true });
  const server = startProcess({
    name: 'temporal-server',
    command: options.serverBinary,
    args: ['--config-file', rendered.serverConfig, '--allow-no-auth', 'start'],
    logFile: join(rendered.dir, 'server.log'),
    cwd: rendered.dir,
  });
  await waitUntilReady(server, () => temporalAnswers({ temporalAddress: address }, 2000), {
    timeoutMs: options.readyTimeoutMs ?? 120000,
    what: `answer on ${address}`,
  });
  let ui: ManagedProcess | undefined;
  if (options.uiBinary) {
    try {
      ui = await startEmbeddedUi({
        uiBinary: options.uiBinary,
        dir: rendered.dir,
        temporalAddress: address,
        port: ports.ui,
        namespace: options.namespace,
        codec: options.codec,
      });
    } catch (err) {
      await server.stop();
      throw err;
    }
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
