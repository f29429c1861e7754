/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM. The encrypted payload's metadata names
 * the encoding and the key id (both plaintext); its data is IV, ciphertext and tag of the whole original payload
 * (metadata included), so nothing of the value, its encoding or its type stays readable on the server.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { KeyRing } from './keys';

/** The `encoding` metadata of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata key that names the key a payload was encrypted with. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = temporal.api.common.v1.Payload;

/** Raised when a payload names a key id that no configured key has (a key was removed too early, or is missing). */
export class UnknownEncryptionKeyError extends Error {
  constructor(readonly keyId: string) {
    super(
      `payload was encrypted with key ${keyId}, which MLOPS_ENCRYPTION_KEY_FILE does not hold: add that key back (older keys stay in the file until no history needs them)`,
    );
    this.name = 'UnknownEncryptionKeyError';
  }
}

/** Raised when an encrypted payload fails authentication: it was altered, truncated, or its key id was changed. */
export class PayloadDecryptionError extends Error {
  constructor(keyId: string, reason: string) {
    super(`encrypted payload (key ${keyId}) could not be decrypted: ${reason}`);
    this.name = 'PayloadDecryptionError';
  }
}

function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString('utf8') : undefined;
}

/** True when `payload` is one this codec encrypted. */
export function isEncryptedPayload(payload: Payload): boolean {
  return metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;
}

/** Encrypts with the key ring's newest key and decrypts with whichever key a payload names. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  /** The id of the key new payloads are encrypted with. */
  get currentKeyId(): string {
    return this.keys.newest.id;
  }

  /** Encrypts each payload with the newest key and a fresh random IV. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys.newest;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(id, 'utf8'));
      const plain = ProtoPayload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) },
        data: new Uint8Array(sealed),
      };
    });
  }

  /**
   * Decrypts encrypted payloads and passes others through unchanged (histories written before encryption was
   * turned on stay readable). Throws UnknownEncryptionKeyError or PayloadDecryptionError, never returns garbage.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncryptedPayload(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const id = metadataText(payload, KEY_ID_METADATA) ?? '(none)';
    const entry = this.keys.byId.get(id);
    if (!entry) throw new UnknownEncryptionKeyError(id);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(id, 'data is too short');
    const decipher = createDecipheriv('aes-256-gcm', entry.key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(id, 'authentication failed (altered data or wrong key)');
    }
    return ProtoPayload.decode(plain);
  }
}
