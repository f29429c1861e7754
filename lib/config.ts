/** Process configuration: read from the environment once, validated, with the documented defaults. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { KeyFileError, readKeyRing } from './security/keys';

/** Raised for a malformed environment variable; the CLI turns it into exit code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** TLS settings for the Temporal connection, named as Temporal's envconfig names them. */
export interface TemporalTlsConfig {
  clientCertPath?: string;
  clientKeyPath?: string;
  serverCaCertPath?: string;
  serverName?: string;
}

/** Everything a process of the project needs from its environment. */
export interface MlopsConfig {
  /** host:port of the Temporal frontend. */
  temporalAddress: string;
  /** True when TEMPORAL_ADDRESS was set explicitly (then no embedded server is started elsewhere). */
  temporalAddressExplicit: boolean;
  namespace: string;
  /** TLS for the Temporal connection; undefined means plaintext. */
  tls?: TemporalTlsConfig;
  apiKey?: string;
  /** State folder: artifacts, registry, embedded server's SQLite file. */
  home: string;
  /** Cache of built server binaries, shared by every clone on the machine. */
  cacheDir: string;
  uiPort: number;
  /** HTTP API port of a server started here; unset means frontend port + 10 (7243 for 7233). */
  temporalHttpPort?: number;
  gatewayPort: number;
  logLevel: string;
  /** File of base64 AES-256 keys (newest last) that encrypt payloads; undefined means encryption is off. */
  encryptionKeyFile?: string;
  /** Port of the codec server (`mlops codec-server`, and `mlops up` with encryption on). */
  codecPort: number;
  /** Bearer token of the codec server from MLOPS_CODEC_TOKEN; undefined means `<home>/codec.token`. */
  codecToken?: string;
  /** Browser origins (the Web UI's) the codec server answers CORS requests from. */
  codecUiOrigins: string[];
}

/** The default Temporal frontend address. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/** Parses and validates configuration from `env` (defaults to process.env). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MlopsConfig {
  const temporalAddress = env.TEMPORAL_ADDRESS?.trim() || DEFAULT_TEMPORAL_ADDRESS;
  parseHostPort(temporalAddress, 'TEMPORAL_ADDRESS');
  const cacheRoot = env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache');
  const uiPort = parsePort(env.MLOPS_UI_PORT, 8233, 'MLOPS_UI_PORT');
  return {
    temporalAddress,
    temporalAddressExplicit: Boolean(env.TEMPORAL_ADDRESS?.trim()),
    namespace: env.TEMPORAL_NAMESPACE?.trim() || 'default',
    tls: parseTls(env),
    apiKey: env.TEMPORAL_API_KEY?.trim() || undefined,
    home: resolve(env.MLOPS_HOME?.trim() || '.mlops'),
    cacheDir: resolve(env.MLOPS_CACHE_DIR?.trim() || join(cacheRoot, 'temporal-mlops')),
    uiPort,
    temporalHttpPort: optionalPort(env.MLOPS_TEMPORAL_HTTP_PORT, 'MLOPS_TEMPORAL_HTTP_PORT'),
    gatewayPort: parsePort(env.MLOPS_GATEWAY_PORT, 8080, 'MLOPS_GATEWAY_PORT'),
    logLevel: parseLogLevel(env.MLOPS_LOG_LEVEL),
    encryptionKeyFile: parseKeyFilePath(env.MLOPS_ENCRYPTION_KEY_FILE),
    codecPort: parsePort(env.MLOPS_CODEC_PORT, 8234, 'MLOPS_CODEC_PORT'),
    codecToken: env.MLOPS_CODEC_TOKEN?.trim() || undefined,
    codecUiOrigins: parseOrigins(env.MLOPS_CODEC_UI_ORIGIN, uiPort),
  };
}

/** Resolves MLOPS_ENCRYPTION_KEY_FILE and checks now that every key in it is well-formed (fail fast, one line). */
function parseKeyFilePath(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const path = resolve(raw.trim());
  try {
    readKeyRing(path);
  } catch (err) {
    if (err instanceof KeyFileError) throw new ConfigError(err.message);
    throw err;
  }
  return path;
}

/** Parses a comma-separated list of origins (`scheme://host[:port]`); defaults to the embedded Web UI's two. */
export function parseOrigins(raw: string | undefined, uiPort: number): string[] {
  if (raw === undefined || raw.trim() === '') return [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`];
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((origin) => {
      if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
        throw new ConfigError(`MLOPS_CODEC_UI_ORIGIN must list origins like http://127.0.0.1:8233, got '${origin}'`);
      }
      return origin.toLowerCase();
    });
}

/** Splits `host:port`, throwing ConfigError naming the variable when malformed. */
export function parseHostPort(address: string, name: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  if (!match) throw new ConfigError(`${name} must be host:port, got '${address}'`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port: parsePort(match[2], 0, name) };
}

function parsePort(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(`${name} must be a port number between 1 and 65535, got '${raw}'`);
  }
  return port;
}

function optionalPort(raw: string | undefined, name: string): number | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : parsePort(raw, 0, name);
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(raw: string | undefined): string {
  const level = raw?.trim().toLowerCase() || 'info';
  if (!logLevels.includes(level)) throw new ConfigError(`MLOPS_LOG_LEVEL must be one of ${logLevels.join(', ')}`);
  return level;
}

function parseTls(env: NodeJS.ProcessEnv): TemporalTlsConfig | undefined {
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH?.trim() || undefined;
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH?.trim() || undefined;
  const caPath = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH?.trim() || undefined;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME?.trim() || undefined;
  const flag = env.TEMPORAL_TLS?.trim().toLowerCase();
  if (flag !== undefined && flag !== '' && !['true', 'false', '1', '0'].includes(flag)) {
    throw new ConfigError(`TEMPORAL_TLS must be true or false, got '${env.TEMPORAL_TLS}'`);
  }
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new ConfigError('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be set together');
  }
  // The TypeScript SDK always verifies the server's certificate; refusing the setting beats ignoring it.
  const noVerify = env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION?.trim().toLowerCase();
  if (noVerify === 'true' || noVerify === '1') {
    throw new ConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported: the server certificate is always verified; set TEMPORAL_TLS_SERVER_NAME to the name it carries, or TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA',
    );
  }
  const enabled = flag === 'true' || flag === '1' || Boolean(certPath || caPath || serverName);
  if (!enabled || flag === 'false' || flag === '0') return undefined;
  return {
    clientCertPath: certPath,
    clientKeyPath: keyPath,
    serverCaCertPath: caPath,
    serverName,
  };
}
