/** pino loggers for lib/ and entry points; logs go to stderr so CLI output on stdout stays clean. */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from 'pino';

const levelNames: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const hidden = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'sdk']);

/** Formats one pino JSON line for a person: `warn  message  key=value …`. */
export function formatLogLine(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const extras = Object.entries(entry)
      .filter(([key]) => !hidden.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    const level = levelNames[Number(entry.level)] ?? String(entry.level);
    return [level.padEnd(5), String(entry.msg ?? ''), ...extras].join('  ');
  } catch {
    return line;
  }
}

/** A stderr sink that prints pino lines in the human form. */
function humanStderr(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean);
      for (const line of lines) process.stderr.write(`${formatLogLine(line)}\n`);
      done();
    },
  });
}

/**
 * Field names whose values are credentials or key material, redacted wherever they appear in a log object (at the
 * top level or up to two objects deep, which covers `headers.authorization` and `config.apiKey`). Names that say
 * where a secret is (`tokenFile`) are not secrets and stay readable.
 */
export const SECRET_FIELDS = [
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'bearer',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'clientSecret',
  'apiKey',
  'api_key',
  'x-api-key',
  'authorization',
  'Authorization',
  'cookie',
  'set-cookie',
  'privateKey',
  'secretKey',
  'secretAccessKey',
  'encryptionKey',
  'keyMaterial',
  'keys',
  'credentials',
  'codecToken',
  'gatewayToken',
] as const;

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

function fieldPath(prefix: string, field: string): string {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? `.${field}` : `["${field}"]`;
  return prefix === '' ? key.replace(/^\./, '') : `${prefix}${key}`;
}

/** pino redact paths for SECRET_FIELDS at depths 0 to 2. */
export const redactPaths: string[] = ['', '*', '*.*'].flatMap((prefix) =>
  SECRET_FIELDS.map((field) => fieldPath(prefix, field)),
);

/**
 * Creates the process logger at the given level, with SECRET_FIELDS redacted. Services write JSON lines to stderr;
 * commands a person watches (`mlops up`) pass `human: true` for readable lines; tests may pass a `destination`.
 */
export function createLogger(
  level = process.env.MLOPS_LOG_LEVEL ?? 'info',
  name = 'mlops',
  options: { human?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const destination = options.destination ?? (options.human ? humanStderr() : pino.destination({ fd: 2, sync: true }));
  return pino(
    { name, level, base: { pid: process.pid }, redact: { paths: redactPaths, censor: REDACTED } },
    destination,
  );
}

export type { Logger };
