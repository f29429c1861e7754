/**
 * The codec server: the HTTP endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to encode and
 * decode payloads. POST /encode and /decode take the remote codec protocol's JSON. A caller is authorised by
 * `Authorization: Bearer <token>`, or, for a browser, by the session cookie `/login` sets after it was given the
 * token, which counts only on requests whose Origin is a configured UI origin. CORS answers those origins only.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import type { Logger } from '../logging';
import { PayloadDecryptionError, UnknownEncryptionKeyError } from './codec';
import { CodecRequestError, parsePayloadsBody, payloadsBody } from './codec-json';
import { loginPage, readForm, safeRedirect } from './codec-login';
import { bearerMatches, secretsEqual, sessionValue } from './token';

/** Name of the browser session cookie. */
export const SESSION_COOKIE = 'mlops_codec_session';
/** Largest request body accepted (Temporal caps one payload at 2 MB; a UI batch holds several). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Options of `startCodecServer`. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  token: string;
  /** Origins (the Web UI's) allowed to call from a browser, e.g. `http://127.0.0.1:8233`. */
  uiOrigins: string[];
  /** Interface to bind; 127.0.0.1 by default. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  logger?: Logger;
}

/** A running codec server. */
export interface CodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  // The sign-in page must not be framed by another site (clickjacking the token field).
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "frame-ancestors 'none'",
  });
  res.end(body);
}

/** The HTTP status of a failed request: 400 malformed, 422 undecryptable payload, 500 anything else. */
function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof CodecRequestError) return 400;
  if (err instanceof UnknownEncryptionKeyError || err instanceof PayloadDecryptionError) return 422;
  return 500;
}

/** Starts the codec server; resolves once it listens. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const origins = new Set(options.uiOrigins.map((origin) => origin.toLowerCase()));
  const session = sessionValue(options.token);
  const host = options.host ?? '127.0.0.1';

  /** Sets CORS headers for an allowed Origin; false when the request came from another origin. */
  function cors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin?.toLowerCase();
    if (origin === undefined) return true;
    if (!origins.has(origin)) return false;
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin as string);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
    return true;
  }

  function authorised(req: IncomingMessage): boolean {
    if (req.headers.authorization !== undefined) return bearerMatches(req.headers.authorization, options.token);
    // The session cookie counts only from a UI origin's page: another site cannot ride on it.
    const origin = req.headers.origin?.toLowerCase();
    const value = cookie(req, SESSION_COOKIE);
    return origin !== undefined && origins.has(origin) && value !== undefined && secretsEqual(value, session);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://codec').pathname;
    // The sign-in form posts from this server's own page; everything else answers the UI origins only.
    const ownPage = path === '/login' && req.headers.origin === `http://${req.headers.host}`;
    if (!ownPage && !cors(req, res)) {
      throw new HttpError(403, 'origin not allowed: set MLOPS_CODEC_UI_ORIGIN to the Web UI origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization, Authorization-Extras');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (path === '/health' && req.method === 'GET') return send(res, 200, '{"status":"ok"}');
    if (path === '/login') return login(req, res);
    if (path !== '/encode' && path !== '/decode') throw new HttpError(404, 'not found: POST /encode or /decode');
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    if (!authorised(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="mlops-codec"');
      throw new HttpError(401, 'unauthorised: send Authorization: Bearer <codec token>, or sign in at /login');
    }
    const payloads = parsePayloadsBody(await readBody(req));
    const result = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    options.logger?.debug({ path, payloads: payloads.length, namespace: req.headers['x-namespace'] }, 'codec request');
    send(res, 200, payloadsBody(result));
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const next = safeRedirect(new URL(req.url ?? '/', 'http://codec').searchParams.get('next'), origins);
    if (req.method === 'GET') return send(res, 200, loginPage(next), 'text/html; charset=utf-8');
    if (req.method !== 'POST') throw new HttpError(405, 'use GET or POST');
    const form = readForm(await readBody(req));
    if (!secretsEqual(form.get('token') ?? '', options.token)) {
      return send(res, 401, loginPage(next, 'That is not the codec token.'), 'text/html; charset=utf-8');
    }
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`);
    const target = safeRedirect(form.get('next'), origins);
    if (target) {
      res.writeHead(303, { Location: target }).end();
      return;
    }
    send(
      res,
      200,
      loginPage(undefined, 'Signed in: the Web UI now shows decoded payloads.'),
      'text/html; charset=utf-8',
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      options.logger?.warn({ err: message, status: statusOf(err) }, 'codec request refused');
      if (!res.headersSent) send(res, statusOf(err), JSON.stringify({ error: message }));
      else res.end();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
