/**
 * TLS and mTLS to Temporal through the envconfig variables (TEMPORAL_TLS_*): a real server whose frontend requires
 * client certificates signed by a test CA. The project's client and worker connections get in with the
 * configured certificate pair; without one, with a certificate of another CA, or trusting another CA, they don't.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../../lib/config';
import type { MlopsConfig } from '../../lib/config';
import { cachedBinaries } from '../../lib/temporal/binaries';
import { connectClient, temporalAnswers } from '../../lib/temporal/connection';
import { ephemeralPorts } from '../../lib/temporal/ports';
import { startProcess, waitUntilReady } from '../../lib/temporal/process';
import type { ManagedProcess } from '../../lib/temporal/process';
import { prepareNamespace } from '../../lib/temporal/provision';
import { renderEmbeddedConfig } from '../../lib/temporal/server-config';
import { connectWorker } from '../../workers/bootstrap';
import { tempDir, unique } from '../helpers/temporal';

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** A CA and a certificate it signs, with the given subject alternative names and key usage. */
function issue(dir: string, ca: string, name: string, san: string, usage: 'serverAuth' | 'clientAuth'): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`], dir);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${usage}\n`);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial'].concat([
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ]),
    dir,
  );
}

function authority(dir: string, name: string): void {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(
    ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-out', `${name}.pem`],
    dir,
  );
}

/** The frontend requires client certificates of `ca`; the system worker presents one. */
function tlsSection(dir: string): string {
  const f = (name: string) => JSON.stringify(join(dir, name));
  return [
    '  tls:',
    '    frontend:',
    '      server:',
    `        certFile: ${f('server.pem')}`,
    `        keyFile: ${f('server.key')}`,
    '        requireClientAuth: true',
    `        clientCaFiles: [${f('ca.pem')}]`,
    '      client:',
    '        serverName: localhost',
    `        rootCaFiles: [${f('ca.pem')}]`,
    '    systemWorker:',
    `      certFile: ${f('worker.pem')}`,
    `      keyFile: ${f('worker.key')}`,
    '      client:',
    '        serverName: localhost',
    `        rootCaFiles: [${f('ca.pem')}]`,
    '',
  ].join('\n');
}

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

(hasOpenssl ? describe : describe.skip)('mTLS to Temporal (TEMPORAL_TLS_* variables)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: ManagedProcess;
  let address: string;
  const configWith = (env: Record<string, string>): MlopsConfig =>
    loadConfig({ PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: address, ...env });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mlops-mtls-'));
    authority(dir, 'ca');
    authority(dir, 'other-ca');
    issue(dir, 'ca', 'server', 'DNS:localhost,IP:127.0.0.1', 'serverAuth');
    issue(dir, 'ca', 'worker', 'DNS:temporal-system-worker', 'clientAuth');
    issue(dir, 'ca', 'client', 'DNS:mlops-client', 'clientAuth');
    issue(dir, 'other-ca', 'stranger', 'DNS:stranger', 'clientAuth');
    const binary = cachedBinaries(loadConfig().cacheDir).server;
    if (!existsSync(binary)) throw new Error(`no server binary at ${binary}: run mlops server install`);
    const ports = await ephemeralPorts();
    const rendered = await renderEmbeddedConfig({ home: join(dir, 'home'), ports, namespace: 'default' });
    const yaml = await readFile(rendered.serverConfig, 'utf8');
    await writeFile(rendered.serverConfig, yaml.replace(/^global:\n/m, `global:\n${tlsSection(dir)}`));
    address = `127.0.0.1:${ports.frontend}`;
    server = startProcess({
      name: 'temporal-server-mtls',
      command: binary,
      args: ['--config-file', rendered.serverConfig, '--allow-no-auth', 'start'],
      logFile: join(rendered.dir, 'server.log'),
      cwd: rendered.dir,
    });
    const trusted = configWith({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    await waitUntilReady(server, () => temporalAnswers(trusted, 2000), {
      timeoutMs: 120000,
      what: `answer on ${address}`,
    });
    await prepareNamespace(trusted);
  }, 180000);

  afterAll(async () => {
    await server?.stop();
    await cleanup?.();
  });

  const mutual = () => ({
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
    TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  });

  it('lets the client in with the configured certificate pair, and a worker polls over the same settings', async () => {
    const config = configWith(mutual());
    expect(config.tls?.clientCertPath).toBe(join(dir, 'client.pem'));
    const connection = await connectClient(config);
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = unique('mtls');
    const native = await connectWorker(config);
    const worker = await Worker.create({ connection: native, taskQueue, activities: { ping: async () => 'pong' } });
    try {
      await worker.runUntil(async () => {
        // The worker's activity poller shows up on the queue once its TLS connection is up.
        for (let i = 0; i < 100; i++) {
          const described = await client.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: taskQueue },
            taskQueueType: 2,
          });
          if ((described.pollers ?? []).length > 0) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('no poller arrived over mTLS');
      });
    } finally {
      await native.close();
      await connection.close();
    }
  });

  it.each([
    [
      'no client certificate',
      () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'localhost' }),
    ],
    [
      'a client certificate of another CA',
      () => ({
        ...mutual(),
        TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'stranger.pem'),
        TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'stranger.key'),
      }),
    ],
    [
      'trust in another CA than the server’s',
      () => ({ ...mutual(), TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'other-ca.pem') }),
    ],
    ['a server name the certificate does not carry', () => ({ ...mutual(), TEMPORAL_TLS_SERVER_NAME: 'elsewhere' })],
    ['plaintext', () => ({})],
  ])('keeps a client out with %s', async (_, env) => {
    expect(await temporalAnswers(configWith(env()), 2000)).toBe(false);
  });
});
