/**
 * Payload encryption keys: a file of base64 AES-256 keys, one a line, newest last. Every key decrypts; the newest
 * encrypts, so rotation is "append a key, restart the processes, remove the old key once nothing needs it".
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Bytes of an AES-256 key. */
export const KEY_BYTES = 32;

/** Raised for a key file that cannot be read or holds a malformed key; the message never contains key material. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

/** One key and the id written into every payload it encrypts. */
export interface EncryptionKey {
  /** First 8 bytes of the key's sha256, hex: identifies the key without revealing it. */
  id: string;
  key: Buffer;
}

/** The configured keys: `newest` encrypts, any of `byId` decrypts. */
export interface KeyRing {
  newest: EncryptionKey;
  byId: ReadonlyMap<string, EncryptionKey>;
}

/** The id of a key: the first 8 bytes of its sha256 in hex. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses a key file's text: one base64 key a line, blank lines and `#` comments ignored, at least one key.
 * `source` names the file in errors.
 */
export function parseKeyFile(text: string, source: string): KeyRing {
  const keys: EncryptionKey[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${source} line ${index + 1}`;
    if (!BASE64.test(line) || line.length % 4 !== 0) {
      throw new KeyFileError(`${where} is not base64: write one base64 32-byte key a line (openssl rand -base64 32)`);
    }
    const key = Buffer.from(line, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new KeyFileError(`${where} decodes to ${key.length} bytes, not ${KEY_BYTES}: use openssl rand -base64 32`);
    }
    keys.push({ id: keyId(key), key });
  });
  if (keys.length === 0) {
    throw new KeyFileError(`${source} holds no key: add one base64 32-byte key a line (openssl rand -base64 32)`);
  }
  const byId = new Map<string, EncryptionKey>();
  for (const key of keys) byId.set(key.id, key);
  return { newest: keys[keys.length - 1], byId };
}

/** Reads and parses the key file at `path`. */
export function readKeyRing(path: string): KeyRing {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KeyFileError(`MLOPS_ENCRYPTION_KEY_FILE ${path} cannot be read (${code})`);
  }
  return parseKeyFile(text, `MLOPS_ENCRYPTION_KEY_FILE ${path}`);
}
