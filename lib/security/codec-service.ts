/** The codec server as a configured process starts it: key ring and token from MlopsConfig. */
import type { MlopsConfig } from '../config';
import type { Logger } from '../logging';
import type { UiCodecConfig } from '../temporal/server-config';
import { startCodecServer } from './codec-server';
import type { CodecServer } from './codec-server';
import { createEncryptionCodec } from './data-converter';
import { resolveCodecToken } from './token';

/** Raised when a codec server is asked for while encryption is off. */
export class EncryptionOffError extends Error {
  constructor() {
    super('MLOPS_ENCRYPTION_KEY_FILE is not set: payloads are not encrypted, so there is nothing to decode');
    this.name = 'EncryptionOffError';
  }
}

/** A codec server started from config, with what the Web UI's config and a person need to know about it. */
export interface ConfiguredCodecServer {
  server: CodecServer;
  /** The file holding the bearer token; undefined when it came from MLOPS_CODEC_TOKEN. */
  tokenFile?: string;
  /** The `codec:` section for the Web UI: the endpoint, with the browser session cookie included. */
  uiCodec: UiCodecConfig;
  /** The page where a person signs the browser in (then returns to the UI). */
  loginUrl: string;
}

/** Starts the codec server of `config` (port, UI origins and token overridable); EncryptionOffError when off. */
export async function startConfiguredCodecServer(
  config: MlopsConfig,
  options: { port?: number; host?: string; uiOrigins?: string[]; logger?: Logger } = {},
): Promise<ConfiguredCodecServer> {
  const codec = createEncryptionCodec(config);
  if (!codec) throw new EncryptionOffError();
  const { token, file } = await resolveCodecToken(config.home, config.codecToken);
  const uiOrigins = options.uiOrigins ?? config.codecUiOrigins;
  const server = await startCodecServer({
    codec,
    token,
    uiOrigins,
    host: options.host,
    port: options.port ?? config.codecPort,
    logger: options.logger,
  });
  return {
    server,
    tokenFile: file,
    uiCodec: { endpoint: server.url, passAccessToken: false, includeCredentials: true },
    loginUrl: `${server.url}/login?next=${encodeURIComponent(uiOrigins[0] ?? '')}`,
  };
}
