/**
 * `mlops codec-server`: the HTTP endpoint the Temporal Web UI calls to decode encrypted payloads; and the codec
 * server plus Web UI that `mlops up` starts when payloads are encrypted.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, parseOrigins } from '../../lib/config';
import type { MlopsConfig } from '../../lib/config';
import { createLogger } from '../../lib/logging';
import type { Logger } from '../../lib/logging';
import { startConfiguredCodecServer } from '../../lib/security/codec-service';
import type { ConfiguredCodecServer } from '../../lib/security/codec-service';
import { ensureBinaries } from '../../lib/temporal/binaries';
import { startEmbeddedUi } from '../../lib/temporal/embedded';
import type { ManagedProcess } from '../../lib/temporal/process';
import type { TemporalStack } from '../../lib/temporal/provision';
import { CliError } from './errors';
import { printTable, progress } from './output';

/** The codec server and the Web UI started beside it when payloads are encrypted. */
export interface EncryptedUi {
  codec: ConfiguredCodecServer;
  uiUrl?: string;
  ui?: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * With MLOPS_ENCRYPTION_KEY_FILE set: starts the codec server and, for a server started here, the Web UI with the
 * codec endpoint in its config (the stack was provisioned without its UI for that). Undefined when encryption is off.
 */
export async function startEncryptedUi(
  config: MlopsConfig,
  stack: TemporalStack,
  withUi: boolean,
  logger: Logger,
): Promise<EncryptedUi | undefined> {
  if (!config.encryptionKeyFile) return undefined;
  const codec = await startConfiguredCodecServer(config, { logger });
  let ui: ManagedProcess | undefined;
  try {
    if (withUi && stack.mode !== 'external') {
      const binaries = await ensureBinaries({ cacheDir: config.cacheDir, onProgress: progress });
      ui = await startEmbeddedUi({
        uiBinary: binaries.ui,
        dir: join(config.home, 'temporal'),
        temporalAddress: stack.address,
        port: config.uiPort,
        namespace: config.namespace,
        codec: codec.uiCodec,
      });
    }
  } catch (err) {
    await codec.server.close();
    throw err;
  }
  return {
    codec,
    ui,
    uiUrl: ui ? `http://127.0.0.1:${config.uiPort}` : undefined,
    stop: async () => {
      await ui?.stop();
      await codec.server.close();
    },
  };
}

function port(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value > 65535) throw new CliError(`--port must be 0 to 65535, got '${raw}'`);
  return value;
}

/** Registers `codec-server`. */
export function registerCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description('serve /encode and /decode for the Temporal Web UI (needs MLOPS_ENCRYPTION_KEY_FILE) until Ctrl-C')
    .option('--port <n>', 'port to listen on; 0 picks a free one (default MLOPS_CODEC_PORT or 8234)', port)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--ui-origin <origins>',
      'Web UI origin(s) allowed by CORS, comma-separated (default MLOPS_CODEC_UI_ORIGIN)',
    )
    .action(async (opts: { port?: number; host: string; uiOrigin?: string }) => {
      const config = loadConfig();
      if (!config.encryptionKeyFile) {
        throw new CliError('MLOPS_ENCRYPTION_KEY_FILE is not set: the codec server decodes encrypted payloads only');
      }
      const logger = createLogger(config.logLevel, 'mlops-codec');
      const uiOrigins = opts.uiOrigin ? parseOrigins(opts.uiOrigin, config.uiPort) : config.codecUiOrigins;
      const codec = await startConfiguredCodecServer(config, { port: opts.port, host: opts.host, uiOrigins, logger });
      // The handlers go in before "ready" is printed, so a signal sent on reading it always gets a clean stop.
      const stopped = new Promise<void>((resolveStop) => {
        process.once('SIGINT', () => resolveStop());
        process.once('SIGTERM', () => resolveStop());
      });
      printTable([
        ['codec server', codec.server.url],
        ['UI origins', uiOrigins.join(', ')],
        ['token', codec.tokenFile ?? 'MLOPS_CODEC_TOKEN'],
        ['browser sign-in', codec.loginUrl],
      ]);
      progress('codec server is ready. Press Ctrl-C to stop.');
      await stopped;
      await codec.server.close();
      progress('codec server stopped');
    });
}
