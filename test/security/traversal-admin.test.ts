/**
 * The traversal corpus against the gateway's HTTP API: every model name and version in the admin routes
 * (bearer token), inference, metadata and feedback, sent raw (where HTTP allows), percent-encoded once and
 * twice. Each is a 4xx; nothing is written outside MLOPS_HOME and no body shows the sentinel.
 */
import { request } from 'node:http';
import type { Gateway } from '../../lib/serving';
import { TOKEN, gateway, registerFixture, withRegistry } from '../e2e/gateway-helpers';
import { NAME_CORPUS, escapes, makeSandbox, snapshotOutside } from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

let sandbox: Sandbox;
let before: OutsideSnapshot;
let server: Gateway;
const outputs: string[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox('home');
  await registerFixture(sandbox.root, 'iris', 'binary', 'security-1');
  await withRegistry(sandbox.root, (r) => r.promote({ model: 'iris', version: 1 }));
  server = await gateway(sandbox.root);
  before = await snapshotOutside(sandbox);
});

afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
});

/** Sends a request with its target exactly as given (fetch would normalise `..` before sending it). */
function send(method: string, target: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path: target,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The forms a corpus entry takes in a URL path segment: raw where HTTP allows it, encoded once and twice. */
function segments(entry: string): string[] {
  const once = encodeURIComponent(entry);
  const forms = [once, encodeURIComponent(once)];
  if (/^[\x21-\x7e]+$/.test(entry) && !entry.includes('?') && !entry.includes('#')) forms.unshift(entry);
  return [...new Set(forms)];
}

/** Every request of the API with `m` as the model name, or `v` as the version. */
const requests: [string, (m: string) => string, unknown?][] = [
  ['PUT', (m) => `/admin/models/${m}/routes`, { stable: 1 }],
  ['POST', (m) => `/admin/models/${m}/versions/1/load`],
  ['DELETE', (m) => `/admin/models/${m}/versions/1`],
  ['GET', (m) => `/admin/models/${m}/stats`],
  ['POST', (v) => `/admin/models/iris/versions/${v}/load`],
  ['DELETE', (v) => `/admin/models/iris/versions/${v}`],
  ['GET', (m) => `/v2/models/${m}`],
  ['GET', (m) => `/v2/models/${m}/ready`],
  ['POST', (m) => `/v2/models/${m}/infer`, { inputs: [] }],
  ['POST', (m) => `/v1/models/${m}:predict`, { instances: [] }],
  ['POST', (m) => `/v1/models/${m}:feedback`, [{ request_id: 'r1', label: 1 }]],
];

describe('gateway HTTP API against the traversal corpus', () => {
  it('answers every corpus entry as a model name or version with a 4xx', async () => {
    const wrong: string[] = [];
    for (const entry of NAME_CORPUS) {
      for (const form of segments(entry)) {
        for (const [method, target, body] of requests) {
          const reply = await send(method, target(form), body);
          outputs.push(reply.text);
          if (reply.status < 400 || reply.status >= 500) {
            wrong.push(`${method} ${target(form).slice(0, 100)} -> ${reply.status} ${reply.text.slice(0, 100)}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('still serves and administers the legitimate model afterwards', async () => {
    expect((await send('GET', '/v2/models/iris')).status).toBe(200);
    expect((await send('PUT', '/admin/models/iris/routes', { stable: 1 })).status).toBe(200);
    expect((await send('GET', '/admin/models/iris/stats')).status).toBe(200);
  });

  it('leaves everything outside MLOPS_HOME untouched and never shows the secret', async () => {
    expect(await escapes(sandbox, before, outputs)).toEqual([]);
  });
});
