/**
 * The admin API's bearer token: MLOPS_GATEWAY_TOKEN when set, otherwise `<MLOPS_HOME>/gateway.token` (mode 0600),
 * generated on first start and reused by every replica and restart on the same state folder.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name of the generated token inside the state folder. */
export const TOKEN_FILE = 'gateway.token';

/** Where the token came from, for the start-up line. */
export interface GatewayToken {
  token: string;
  /** The file it was read from or written to; undefined when it came from the environment. */
  file?: string;
}

/** Returns the configured token, or reads (creating with mode 0600 when missing) the state folder's token file. */
export async function resolveGatewayToken(home: string, configured?: string): Promise<GatewayToken> {
  if (configured) return { token: configured };
  const file = join(home, TOKEN_FILE);
  try {
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another replica or an earlier start wrote it: reuse that one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const token = (await readFile(file, 'utf8')).trim();
  if (token === '')
    throw new Error(`${file} is empty: delete it so a new token is generated, or set MLOPS_GATEWAY_TOKEN`);
  return { token, file };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * True when an Authorization header carries `Bearer <token>`. Both sides are hashed first, so the constant-time
 * compare sees equal lengths and the token's length does not leak either.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = digest(match ? match[1] : '');
  return timingSafeEqual(given, digest(token)) && match !== null;
}
