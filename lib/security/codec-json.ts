/**
 * The JSON shape of Temporal's remote codec protocol (what the Web UI and `temporal` CLI send to a codec
 * server): `{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`.
 */
import type { Payload } from '@temporalio/common';

/** Raised for a request body that is not the codec protocol's JSON shape; the server answers 400. */
export class CodecRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecRequestError';
  }
}

/** One payload as JSON: metadata values and data in base64. */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** Most payloads one request may carry. */
export const MAX_PAYLOADS = 10_000;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new CodecRequestError(`${where} must be base64`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a request body into payloads; CodecRequestError says what is wrong. */
export function parsePayloadsBody(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new CodecRequestError('body must be JSON: {"payloads": [...]}');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.payloads)) {
    throw new CodecRequestError('body must be {"payloads": [...]}');
  }
  if (parsed.payloads.length > MAX_PAYLOADS) throw new CodecRequestError(`at most ${MAX_PAYLOADS} payloads a request`);
  return parsed.payloads.map((item: unknown, i) => {
    if (!isRecord(item)) throw new CodecRequestError(`payloads[${i}] must be an object`);
    const metadata: Record<string, Uint8Array> = {};
    if (item.metadata !== undefined && item.metadata !== null) {
      if (!isRecord(item.metadata)) throw new CodecRequestError(`payloads[${i}].metadata must be an object`);
      for (const [key, value] of Object.entries(item.metadata)) {
        metadata[key] = bytes(value, `payloads[${i}].metadata.${key}`);
      }
    }
    const data =
      item.data === undefined || item.data === null ? new Uint8Array() : bytes(item.data, `payloads[${i}].data`);
    return { metadata, data };
  });
}

/** Serialises payloads into the protocol's JSON body. */
export function payloadsBody(payloads: Payload[]): string {
  const json: JsonPayload[] = payloads.map((payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  }));
  return JSON.stringify({ payloads: json });
}
