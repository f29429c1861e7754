/**
 * The codec server's bearer token: MLOPS_CODEC_TOKEN when set, otherwise `<MLOPS_HOME>/codec.token` (mode 0600),
 * generated on first start and reused by every restart on the same state folder.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name of the generated token inside the state folder. */
export const CODEC_TOKEN_FILE = 'codec.token';

/** The token and where it came from, for the start-up line. */
export interface CodecToken {
  token: string;
  /** The file it was read from or written to; undefined when it came from the environment. */
  file?: string;
}

/** Returns the configured token, or reads (creating with mode 0600 when missing) the state folder's token file. */
export async function resolveCodecToken(home: string, configured?: string): Promise<CodecToken> {
  if (configured) return { token: configured };
  await mkdir(home, { recursive: true });
  const file = join(home, CODEC_TOKEN_FILE);
  try {
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const token = (await readFile(file, 'utf8')).trim();
  if (token === '')
    throw new Error(`${file} is empty: delete it so a new token is generated, or set MLOPS_CODEC_TOKEN`);
  return { token, file };
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
