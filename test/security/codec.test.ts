/** The encryption codec and its key file: round trip, rotation, tampering, unknown keys, malformed files. */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  PayloadDecryptionError,
  UnknownEncryptionKeyError,
} from '../../lib/security/codec';
import { KeyFileError, keyId, parseKeyFile } from '../../lib/security/keys';

const key = () => randomBytes(32).toString('base64');
const ring = (...keys: string[]) => parseKeyFile(keys.join('\n'), 'keys');
const text = (payload: Payload, field: string) => Buffer.from(payload.metadata?.[field] ?? []).toString('utf8');

describe('EncryptionCodec', () => {
  const [k1, k2] = [key(), key()];

  it('round-trips any JSON value and leaves none of it readable in the encrypted payload', async () => {
    const codec = new EncryptionCodec(ring(k1));
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.string({ minLength: 8 }), async (value, marker) => {
        const payload = defaultPayloadConverter.toPayload({ value, marker });
        const [encrypted] = await codec.encode([payload]);
        expect(text(encrypted, 'encoding')).toBe(ENCRYPTED_ENCODING);
        expect(Buffer.from(encrypted.data!).includes(Buffer.from(marker))).toBe(false);
        expect(Buffer.from(encrypted.data!).includes(Buffer.from('json/plain'))).toBe(false);
        const [decoded] = await codec.decode([encrypted]);
        expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(JSON.parse(JSON.stringify({ value, marker })));
      }),
      { numRuns: 50 },
    );
  });

  it('uses a fresh IV for each payload', async () => {
    const codec = new EncryptionCodec(ring(k1));
    const payload = defaultPayloadConverter.toPayload('same');
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('encrypts with the newest key and still decrypts with the older one (rotation)', async () => {
    const old = new EncryptionCodec(ring(k1));
    const rotated = new EncryptionCodec(ring(k1, k2));
    const [before] = await old.encode([defaultPayloadConverter.toPayload('before rotation')]);
    const [after] = await rotated.encode([defaultPayloadConverter.toPayload('after rotation')]);
    expect(text(before, KEY_ID_METADATA)).toBe(keyId(Buffer.from(k1, 'base64')));
    expect(text(after, KEY_ID_METADATA)).toBe(keyId(Buffer.from(k2, 'base64')));
    expect(rotated.currentKeyId).toBe(keyId(Buffer.from(k2, 'base64')));
    const decoded = await rotated.decode([before, after]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['before rotation', 'after rotation']);
  });

  it('refuses a payload whose key was removed with a typed error naming the key id', async () => {
    const [encrypted] = await new EncryptionCodec(ring(k1)).encode([defaultPayloadConverter.toPayload('x')]);
    const err = await new EncryptionCodec(ring(k2)).decode([encrypted]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownEncryptionKeyError);
    expect((err as UnknownEncryptionKeyError).keyId).toBe(keyId(Buffer.from(k1, 'base64')));
  });

  it('detects a flipped bit in the data and a swapped key id', async () => {
    const codec = new EncryptionCodec(ring(k1, k2));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('tamper me')]);
    for (let i = 0; i < encrypted.data!.length; i += 7) {
      const data = new Uint8Array(encrypted.data!);
      data[i] ^= 1;
      await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow(PayloadDecryptionError);
    }
    const otherId = new TextEncoder().encode(keyId(Buffer.from(k1, 'base64')));
    const swapped = { ...encrypted, metadata: { ...encrypted.metadata, [KEY_ID_METADATA]: otherId } };
    await expect(codec.decode([swapped])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec.decode([{ ...encrypted, data: new Uint8Array(10) }])).rejects.toThrow(/too short/);
  });

  it('passes payloads that were never encrypted through decode unchanged', async () => {
    const plain = defaultPayloadConverter.toPayload({ recorded: 'before encryption' });
    const [decoded] = await new EncryptionCodec(ring(k1)).decode([plain]);
    expect(decoded).toBe(plain);
  });
});

describe('parseKeyFile', () => {
  it('skips blank lines and comments and takes the last key as the newest', () => {
    const [a, b] = [key(), key()];
    const parsed = parseKeyFile(`# keys\n${a}\n\n${b}\n`, 'f');
    expect(parsed.byId.size).toBe(2);
    expect(parsed.newest.id).toBe(keyId(Buffer.from(b, 'base64')));
  });

  it.each([
    ['not base64', 'not base64!', /f line 1 is not base64/],
    ['16 bytes', randomBytes(16).toString('base64'), /f line 1 decodes to 16 bytes, not 32/],
    ['no key', '# only a comment\n', /f holds no key/],
  ])('refuses %s in one line without echoing the key', (_, content, message) => {
    let err: unknown;
    try {
      parseKeyFile(content, 'f');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeyFileError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
    if (content.trim().length > 4 && !content.startsWith('#')) expect((err as Error).message).not.toContain(content);
  });
});
