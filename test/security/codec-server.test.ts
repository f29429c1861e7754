/** The codec server over real HTTP: authorisation, CORS for the UI origin only, encode/decode, sign-in cookie. */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING } from '../../lib/security/codec';
import { parsePayloadsBody, payloadsBody } from '../../lib/security/codec-json';
import { SESSION_COOKIE, startCodecServer } from '../../lib/security/codec-server';
import type { CodecServer } from '../../lib/security/codec-server';
import { parseKeyFile } from '../../lib/security/keys';
import { sessionValue } from '../../lib/security/token';

const TOKEN = randomBytes(16).toString('hex');
const UI = 'http://127.0.0.1:18233';
const codec = new EncryptionCodec(parseKeyFile(randomBytes(32).toString('base64'), 'test'));
const body = (...values: unknown[]) => payloadsBody(values.map((v) => defaultPayloadConverter.toPayload(v)));

describe('codec server', () => {
  let server: CodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codec, token: TOKEN, uiOrigins: [UI], port: 0 });
  });
  afterAll(() => server.close());

  const post = (path: string, headers: Record<string, string>, payload = body('x')) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: payload,
    });

  it('refuses /encode and /decode without a valid bearer token (401), with one that is close but wrong too', async () => {
    for (const path of ['/encode', '/decode']) {
      expect((await post(path, {})).status).toBe(401);
      expect((await post(path, { Authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await post(path, { Authorization: TOKEN })).status).toBe(401);
      const res = await post(path, { Authorization: `Bearer ${TOKEN.slice(0, -1)}` });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.text()).not.toContain(TOKEN);
    }
  });

  it('encodes to ciphertext and decodes back the values, in the remote codec JSON shape', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const encoded = await post('/encode', auth, body({ dataset: '/data/secret-path.csv' }, 'two'));
    expect(encoded.status).toBe(200);
    const encodedText = await encoded.text();
    expect(encodedText).not.toContain(Buffer.from('secret-path').toString('base64').slice(0, 8));
    const payloads = parsePayloadsBody(encodedText);
    expect(payloads.map((p) => Buffer.from(p.metadata!.encoding).toString())).toEqual([
      ENCRYPTED_ENCODING,
      ENCRYPTED_ENCODING,
    ]);
    const decoded = await post('/decode', auth, encodedText);
    expect(decoded.status).toBe(200);
    const values = parsePayloadsBody(await decoded.text()).map((p) => defaultPayloadConverter.fromPayload(p));
    expect(values).toEqual([{ dataset: '/data/secret-path.csv' }, 'two']);
  });

  it('answers 400 for a body that is not the codec JSON, and 422 for a tampered payload', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await post('/decode', auth, 'not json')).status).toBe(400);
    expect((await post('/decode', auth, '{"payloads": [{"data": "***"}]}')).status).toBe(400);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    encrypted.data![20] ^= 1;
    const res = await post('/decode', auth, payloadsBody([encrypted]));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/could not be decrypted/) });
  });

  it('answers CORS preflight for the UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
      });
    const ok = await preflight(UI);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    const other = await preflight('http://evil.example');
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // A request from another origin is refused even with the token: the UI origin is the only browser caller.
    expect((await post('/decode', { Origin: 'http://evil.example', Authorization: `Bearer ${TOKEN}` })).status).toBe(
      403,
    );
  });

  it('accepts the sign-in cookie only from the UI origin, and sets it only for the right token', async () => {
    const cookie = `${SESSION_COOKIE}=${sessionValue(TOKEN)}`;
    expect((await post('/decode', { Origin: UI, Cookie: cookie })).status).toBe(200);
    expect((await post('/decode', { Cookie: cookie })).status).toBe(401);
    expect((await post('/decode', { Origin: UI, Cookie: `${SESSION_COOKIE}=${sessionValue('wrong')}` })).status).toBe(
      401,
    );
    const form = (token: string, next: string) =>
      fetch(`${server.url}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next }).toString(),
      });
    const wrong = await form('nope', UI);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await form(TOKEN, `${UI}/namespaces/default/workflows`);
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe(`${UI}/namespaces/default/workflows`);
    const set = right.headers.get('set-cookie') ?? '';
    expect(set).toContain(cookie);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).not.toContain(TOKEN);
    // No open redirect: a `next` outside the UI origins is dropped.
    expect((await form(TOKEN, 'http://evil.example/')).status).toBe(200);
  });

  it('serves a health check without authorisation and 404 elsewhere', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await post('/other', { Authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await fetch(`${server.url}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });
});
