/** HTTP plumbing of the gateway: bounded body reading, JSON parsing, JSON responses and error statuses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorType } from '../../workflows/contracts';
import type { ErrorTypeName } from '../../workflows/contracts';
import { isDomainError } from '../errors';

/** An error with the HTTP status it answers with; the message is the one line the client sees. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

/** HTTP status of each domain error type a gateway request can meet; others are 500. */
const STATUS_OF: Partial<Record<ErrorTypeName, number>> = {
  [ErrorType.InvalidInput]: 400,
  [ErrorType.InvalidName]: 400,
  [ErrorType.ModelInputMismatch]: 400,
  [ErrorType.ModelInvalid]: 422,
  [ErrorType.NotFound]: 404,
  [ErrorType.RegistryConflict]: 409,
};

/** The status and one-line message an error answers with. */
export function errorResponse(err: unknown): { status: number; message: string } {
  if (err instanceof HttpError) return { status: err.status, message: err.message };
  if (isDomainError(err)) return { status: STATUS_OF[err.type] ?? 500, message: `${err.type}: ${err.message}` };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, message: message.split('\n')[0] };
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `request body is larger than the gateway's limit of ${limit} bytes`);
}

/**
 * Reads a request body up to `limit` bytes; 413 as soon as Content-Length or the bytes read pass it. The rest of an
 * oversized body is drained (up to a bound) so the client can read the 413 instead of a reset connection. Listens
 * for `data` and `end` rather than iterating the stream: on the hot path that saves the async iterator's promises.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    drain(req, limit);
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        settled = true;
        drain(req, limit);
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    req.on('close', () => {
      if (settled) return;
      settled = true;
      reject(Object.assign(new Error('request closed before its body ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
  });
}

/** Discards the rest of a body; destroys the connection once more than 16 limits' worth has come. */
function drain(req: IncomingMessage, limit: number): void {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > 16 * limit) req.socket.destroy();
  });
  req.resume();
}

/** Parses a JSON body; 400 with the parser's reason when it is malformed. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'request body is empty: send a JSON object');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Writes `{"error": message}` with the error's status; 413 also closes the connection. */
export function sendError(res: ServerResponse, err: unknown): number {
  const { status, message } = errorResponse(err);
  if (status === 413) res.setHeader('connection', 'close');
  if (!res.headersSent) sendJson(res, status, { error: message });
  else res.end();
  return status;
}
