/**
 * Gateway settings from the environment, parsed once at start-up: body limit, prediction-log window, reconcile
 * interval, admin token, replica name, model-loading preflight timeout and TLS files. Options passed to
 * `startGateway` override them.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config';

/** Default largest request body: 4 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Default prediction-log window: 60 s. */
export const DEFAULT_LOG_WINDOW_MS = 60_000;
/** Longest prediction-log window; readers rely on it to skip old segments without opening them. */
export const MAX_LOG_WINDOW_MS = 3_600_000;
/**
 * Default threads per operator: 1. The gateway's parallelism is across requests (micro-batching joins them);
 * onnxruntime's intra-op pool spins its threads between runs, which on a few cores takes CPU from the event loop
 * that parses requests (measured on 2 cores: ~1.5× the req/s at concurrency 32, a third of the p99, with 1).
 */
export const DEFAULT_INTRA_OP_THREADS = 1;
/** Default most rows one micro-batched run joins. */
export const DEFAULT_MAX_BATCH_ROWS = 256;
/** Default interval between two polls of the registry's routes. */
export const DEFAULT_RECONCILE_MS = 500;

/** What a gateway reads from its environment. */
export interface GatewaySettings {
  maxBodyBytes: number;
  logWindowMs: number;
  reconcileMs: number;
  /** Admin bearer token from MLOPS_GATEWAY_TOKEN; unset means the token file under MLOPS_HOME. */
  token?: string;
  /** Name of this replica in stats and log segment names. */
  replica: string;
  /** Threads onnxruntime uses inside one operator (MLOPS_GATEWAY_INTRA_OP_THREADS; 0: onnxruntime's choice). */
  intraOpThreads: number;
  /** Most rows one micro-batched `session.run` joins (MLOPS_GATEWAY_MAX_BATCH_ROWS; 1 turns batching off). */
  maxBatchRows: number;
  /** Time a model-loading preflight may take before its child process is killed (MLOPS_GATEWAY_PREFLIGHT_TIMEOUT_S). */
  preflightTimeoutMs: number;
  /** PEM certificate and key files for HTTPS (MLOPS_GATEWAY_TLS_CERT_PATH, MLOPS_GATEWAY_TLS_KEY_PATH); both or none. */
  tls?: TlsFiles;
}

/** Paths of a PEM certificate (chain) and its private key. */
export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

/** TLS files from a certificate and key path given together (or neither); ConfigError for only one. */
export function tlsFiles(
  certPath: string | undefined,
  keyPath: string | undefined,
  names: string,
): TlsFiles | undefined {
  const cert = certPath?.trim() || undefined;
  const key = keyPath?.trim() || undefined;
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new ConfigError(`${names}: set both the certificate and the key for HTTPS, or neither`);
  return { certPath: cert, keyPath: key };
}

const UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2 };

/** Parses a size in bytes: `4194304`, `512KiB`, `4MiB` (K and M are binary units too). */
export function parseByteSize(raw: string, name: string): number {
  const match = /^(\d+)\s*(k|kib|m|mib)?$/i.exec(raw.trim());
  const bytes = match ? Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()] : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new ConfigError(`${name} must be a size in bytes such as 4194304 or 4MiB, got '${raw}'`);
  }
  return bytes;
}

function parseInteger(raw: string | undefined, fallback: number, min: number, max: number, name: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** A replica name unique to this process start: host, pid and a random suffix. */
export function defaultReplicaName(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9-]/g, '-')
      .slice(0, 40) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Parses the gateway's environment variables; ConfigError for a malformed one. */
export function gatewaySettings(env: NodeJS.ProcessEnv = process.env): GatewaySettings {
  const maxBody = env.MLOPS_GATEWAY_MAX_BODY?.trim();
  const replica = env.MLOPS_GATEWAY_REPLICA?.trim() || defaultReplicaName();
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(replica)) {
    throw new ConfigError(`MLOPS_GATEWAY_REPLICA must be letters, digits and '-' (at most 64), got '${replica}'`);
  }
  const token = env.MLOPS_GATEWAY_TOKEN?.trim() || undefined;
  if (token !== undefined && /\s/.test(token)) throw new ConfigError('MLOPS_GATEWAY_TOKEN must not contain spaces');
  const windowS = parseInteger(env.MLOPS_GATEWAY_LOG_WINDOW_S, 60, 1, 3600, 'MLOPS_GATEWAY_LOG_WINDOW_S');
  return {
    maxBodyBytes: maxBody ? parseByteSize(maxBody, 'MLOPS_GATEWAY_MAX_BODY') : DEFAULT_MAX_BODY_BYTES,
    logWindowMs: windowS * 1000,
    reconcileMs: parseInteger(
      env.MLOPS_GATEWAY_RECONCILE_MS,
      DEFAULT_RECONCILE_MS,
      50,
      600_000,
      'MLOPS_GATEWAY_RECONCILE_MS',
    ),
    token,
    replica,
    intraOpThreads: parseInteger(
      env.MLOPS_GATEWAY_INTRA_OP_THREADS,
      DEFAULT_INTRA_OP_THREADS,
      0,
      1024,
      'MLOPS_GATEWAY_INTRA_OP_THREADS',
    ),
    maxBatchRows: parseInteger(
      env.MLOPS_GATEWAY_MAX_BATCH_ROWS,
      DEFAULT_MAX_BATCH_ROWS,
      1,
      65536,
      'MLOPS_GATEWAY_MAX_BATCH_ROWS',
    ),
    preflightTimeoutMs:
      parseInteger(env.MLOPS_GATEWAY_PREFLIGHT_TIMEOUT_S, 60, 1, 3600, 'MLOPS_GATEWAY_PREFLIGHT_TIMEOUT_S') * 1000,
    tls: tlsFiles(
      env.MLOPS_GATEWAY_TLS_CERT_PATH,
      env.MLOPS_GATEWAY_TLS_KEY_PATH,
      'MLOPS_GATEWAY_TLS_CERT_PATH and MLOPS_GATEWAY_TLS_KEY_PATH',
    ),
  };
}
