/**
 * `mlops serve` as a user runs it: the start-up line, a prediction, the token file, a clean stop on SIGTERM, and
 * HTTPS with a self-signed certificate (made here with the openssl CLI, else the committed test-only pair).
 */
import { execFileSync } from 'node:child_process';
import { copyFile, readFile, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { readPredictionLog } from '../../lib/serving';
import { spawnTestProcess } from '../helpers/processes';
import { call, newHome, registerFixture, withRegistry } from './gateway-helpers';
import type { Reply } from './gateway-helpers';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');
/** A self-signed pair for 127.0.0.1, for tests only (used where no openssl CLI is installed). */
const TEST_TLS = join(__dirname, '..', 'fixtures', 'rollout', 'tls');

/** A self-signed certificate and key for 127.0.0.1 under `dir`: fresh from openssl, else the committed pair. */
async function selfSignedPair(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'];
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'];
    execFileSync('openssl', [...args, ...subject], { stdio: 'ignore' });
  } catch {
    await copyFile(join(TEST_TLS, 'cert.pem'), cert);
    await copyFile(join(TEST_TLS, 'key.pem'), key);
  }
  return { cert, key };
}

/** POSTs JSON over HTTPS trusting only `ca`; resolves with the status and parsed body. */
function httpsPost(url: string, body: unknown, ca: Buffer): Promise<Pick<Reply, 'status' | 'body'>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('mlops serve', () => {
  let home: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ({ home, cleanup } = await newHome());
    await registerFixture(home, 'house', 'regression', 'house-1');
    await withRegistry(home, (r) => r.promote({ model: 'house', version: 1 }));
    env = { ...process.env, MLOPS_HOME: home, MLOPS_LOG_LEVEL: 'warn' };
    delete env.MLOPS_GATEWAY_TOKEN;
  });
  afterAll(() => cleanup());

  it('serves until SIGTERM, then writes the prediction log and exits 0', async () => {
    const serve = spawnTestProcess(process.execPath, [MLOPS, 'serve', '--port', '0', '--reconcile-ms', '200'], env);
    try {
      const [, url] = await serve.waitFor(/gateway listening on (http:\/\/127\.0\.0\.1:\d+)\n/, 30000);
      const reply = await call(url, '/v1/models/house:predict', { body: { instances: [{ x1: 1, x2: 2, x3: 3 }] } });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('x-model-version')).toBe('1');
      const tokenFile = join(home, 'gateway.token');
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      const token = (await readFile(tokenFile, 'utf8')).trim();
      expect((await call(url, '/admin/models', { token })).status).toBe(200);
      expect(serve.stderr()).toContain(`admin token in ${tokenFile}`);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      expect(serve.stderr()).toContain('gateway stopped');
      const log = await readPredictionLog({ home, model: 'house' });
      expect(log.numRows).toBe(1);
      expect(log.getChild('prediction.value')?.get(0)).toBeCloseTo(reply.body.predictions[0], 6);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('serves HTTPS with --tls-cert and --tls-key, and refuses plain HTTP on that port', async () => {
    const { cert, key } = await selfSignedPair(home);
    const args = [MLOPS, 'serve', '--port', '0', '--tls-cert', cert, '--tls-key', key];
    const serve = spawnTestProcess(process.execPath, args, env);
    try {
      const [, url] = await serve.waitFor(/gateway listening on (https:\/\/127\.0\.0\.1:\d+)\n/, 30000);
      const reply = await httpsPost(
        `${url}/v1/models/house:predict`,
        { instances: [{ x1: 1, x2: 2, x3: 3 }] },
        await readFile(cert),
      );
      expect(reply.status).toBe(200);
      expect(typeof reply.body.predictions[0]).toBe('number');
      // Without the certificate trusted, the handshake fails; plain HTTP gets no answer from a TLS port.
      await expect(httpsPost(`${url}/v2/health/live`, {}, Buffer.from(''))).rejects.toThrow(
        /self[- ]signed|certificate/i,
      );
      await expect(fetch(`${url.replace('https:', 'http:')}/v2/health/live`)).rejects.toThrow();
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('refuses a certificate without its key, and an unreadable one, with exit code 2', async () => {
    const half = spawnTestProcess(process.execPath, [MLOPS, 'serve', '--port', '0', '--tls-cert', 'cert.pem'], env);
    expect(await half.exited).toBe(2);
    expect(half.stderr()).toMatch(/set both the certificate and the key for HTTPS, or neither/);
    const missing = spawnTestProcess(process.execPath, [MLOPS, 'serve', '--port', '0'], {
      ...env,
      MLOPS_GATEWAY_TLS_CERT_PATH: join(home, 'nope.pem'),
      MLOPS_GATEWAY_TLS_KEY_PATH: join(home, 'nope.key'),
    });
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toMatch(/cannot read the gateway's TLS certificate .*nope\.pem \(ENOENT\)/);
  });

  it('refuses a bad port with exit code 2', async () => {
    const bad = spawnTestProcess(process.execPath, [MLOPS, 'serve', '--port', 'http'], env);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/--port must be an integer from 0 to 65535/);
  });
});
