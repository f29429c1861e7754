/**
 * Bearer tokens of the project's HTTP endpoints (the codec server, the gateway's admin API): from the environment,
 * or generated once into a 0600 file of the state folder; compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name of the generated token inside the state folder. */
export const CODEC_TOKEN_FILE = 'codec.token';

/** The codec token and where it came from. */
export type CodecToken = ResolvedToken;

/** A bearer token and where it came from, for the start-up line. */
export interface ResolvedToken {
  token: string;
  /** The file it was read from or written to; undefined when it came from the environment. */
  file?: string;
}

/**
 * Returns the configured token, or reads `<home>/<fileName>`, creating it with a random token and mode 0600 when
 * missing. Replicas and restarts on the same state folder share the file; `envName` names the variable that
 * overrides it, for the message about an empty file.
 */
export async function resolveTokenFile(
  home: string,
  fileName: string,
  configured: string | undefined,
  envName: string,
): Promise<ResolvedToken> {
  if (configured) return { token: configured };
  await mkdir(home, { recursive: true });
  const file = join(home, fileName);
  try {
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another replica or an earlier start wrote it: reuse that one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const token = (await readFile(file, 'utf8')).trim();
  if (token === '') throw new Error(`${file} is empty: delete it so a new token is generated, or set ${envName}`);
  return { token, file };
}

/** Returns MLOPS_CODEC_TOKEN's value when set, otherwise the state folder's codec token file. */
export function resolveCodecToken(home: string, configured?: string): Promise<CodecToken> {
  return resolveTokenFile(home, CODEC_TOKEN_FILE, configured, 'MLOPS_CODEC_TOKEN');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time equality of two secrets (hashed first, so lengths do not leak either). */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** True when an Authorization header carries `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return secretsEqual(match ? match[1] : '', token) && match !== null;
}

/** The value of the browser session cookie for `token`: derived from it, so the cookie never holds the token. */
export function sessionValue(token: string): string {
  return createHash('sha256').update(`mlops-codec-session:${token}`, 'utf8').digest('hex');
}
