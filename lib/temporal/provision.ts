/**
 * Finds or starts a Temporal server, in DESIGN.md's order of preference: a server answering at
 * TEMPORAL_ADDRESS; the `temporal` CLI's dev server; the pinned binaries (built with Go if needed).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MlopsConfig } from '../config';
import { parseHostPort } from '../config';
import { ensureBinaries, findOnPath, ProvisionError } from './binaries';
import { connectClient, temporalAnswers } from './connection';
import { startEmbeddedServer } from './embedded';
import { ensureNamespace, ensureSearchAttributes } from './namespace';
import type { ServerPorts } from './ports';
import { defaultPorts } from './ports';
import { startProcess, waitUntilReady } from './process';
import { customSearchAttributes } from '../../workflows/contracts';

/** How the server was provided. */
export type ProvisionMode = 'external' | 'temporal-cli' | 'embedded';

/** A reachable Temporal server with the namespace and search attributes in place. */
export interface TemporalStack {
  mode: ProvisionMode;
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The SQLite file of a server started here. */
  dbFile?: string;
  /** Stops what was started here (nothing for an external server). */
  stop(): Promise<void>;
}

/** Options of `provisionTemporal`. */
export interface ProvisionOptions {
  config: MlopsConfig;
  /** Start the Web UI with a server started here. */
  withUi?: boolean;
  /** Explicit ports (tests use ephemeral ones); default layout around TEMPORAL_ADDRESS's port otherwise. */
  ports?: ServerPorts;
  onProgress?: (line: string) => void;
  /** PATH to look for `temporal` and `go` on. */
  path?: string;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}

/** Returns a ready server, starting one when none answers. */
export async function provisionTemporal(options: ProvisionOptions): Promise<TemporalStack> {
  const { config } = options;
  const progress = options.onProgress ?? (() => undefined);
  const { host, port } = parseHostPort(config.temporalAddress, 'TEMPORAL_ADDRESS');
  if (!options.ports && (await temporalAnswers(config))) {
    progress(`using the Temporal server at ${config.temporalAddress}`);
    await prepareNamespace(config);
    return { mode: 'external', address: config.temporalAddress, namespace: config.namespace, stop: async () => {} };
  }
  if (config.temporalAddressExplicit && !isLoopback(host)) {
    throw new ProvisionError(
      `no Temporal server answers at TEMPORAL_ADDRESS=${config.temporalAddress}: check the address and TLS settings, or unset it to start the embedded server`,
    );
  }
  const ports = options.ports ?? defaultPorts(port, config.uiPort, config.temporalHttpPort);
  const home = config.home;
  await mkdir(join(home, 'temporal'), { recursive: true });
  const temporalCli = findOnPath('temporal', options.path);
  let stack: TemporalStack;
  if (temporalCli) {
    stack = await startDevServer(temporalCli, config, ports, options.withUi ?? true, progress);
  } else {
    const built = await ensureBinaries({ cacheDir: config.cacheDir, onProgress: progress, path: options.path });
    progress(`starting the embedded Temporal server (SQLite under ${join(home, 'temporal')})`);
    const embedded = await startEmbeddedServer({
      serverBinary: built.server,
      uiBinary: options.withUi === false ? undefined : built.ui,
      home,
      ports,
      namespace: config.namespace,
    });
    stack = {
      mode: 'embedded',
      address: embedded.address,
      namespace: config.namespace,
      uiUrl: embedded.uiUrl,
      dbFile: embedded.dbFile,
      stop: () => embedded.stop(),
    };
  }
  try {
    await prepareNamespace({ ...config, temporalAddress: stack.address });
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** Registers the namespace and search attributes on the server at `config.temporalAddress`. */
export async function prepareNamespace(config: MlopsConfig): Promise<void> {
  const connection = await connectClient(config);
  try {
    await ensureNamespace(connection, config.namespace);
    await ensureSearchAttributes(connection, config.namespace);
  } finally {
    await connection.close();
  }
}

async function startDevServer(
  cli: string,
  config: MlopsConfig,
  ports: ServerPorts,
  withUi: boolean,
  progress: (line: string) => void,
): Promise<TemporalStack> {
  const dbFile = join(config.home, 'temporal', 'temporal.db');
  progress(`starting the Temporal CLI dev server (${cli}) on ${dbFile}`);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.frontend)];
  args.push('--http-port', String(ports.http), '--metrics-port', String(ports.metrics));
  args.push('--db-filename', dbFile, '--namespace', config.namespace, '--log-level', 'warn');
  for (const key of customSearchAttributes) args.push('--search-attribute', `${key.name}=Keyword`);
  args.push(...(withUi ? ['--ui-port', String(ports.ui)] : ['--headless']));
  const server = startProcess({
    name: 'temporal-cli',
    command: cli,
    args,
    logFile: join(config.home, 'temporal', 'server.log'),
  });
  const address = `127.0.0.1:${ports.frontend}`;
  await waitUntilReady(server, () => temporalAnswers({ temporalAddress: address }, 2000), {
    timeoutMs: 120000,
    what: `answer on ${address}`,
  });
  return {
    mode: 'temporal-cli',
    address,
    namespace: config.namespace,
    uiUrl: withUi ? `http://127.0.0.1:${ports.ui}` : undefined,
    dbFile,
    stop: () => server.stop(),
  };
}
