/**
 * `mlops up` with MLOPS_ENCRYPTION_KEY_FILE set: the codec server starts beside the stack, the Web UI's config
 * names it, CLI commands read their results and failures decoded, and the stack's own SQLite database holds no
 * dataset path in plaintext. Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultPayloadConverter } from '@temporalio/common';
import { payloadsBody, parsePayloadsBody } from '../../lib/security/codec-json';
import { isListening } from '../../lib/temporal/ports';
import { spawnTestProcess } from '../helpers/processes';
import { filesUnder, scanFiles } from '../helpers/secret-scan';
import { freeStackPorts, tempDir } from '../helpers/temporal';

jest.setTimeout(240_000);

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');
const SAMPLE = join(__dirname, '..', '..', 'examples', 'data', 'churn-sample.csv');

async function run(args: string[], env: NodeJS.ProcessEnv) {
  const p = spawnTestProcess(process.execPath, [MLOPS, ...args], env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('mlops up with payload encryption', () => {
  it('starts the codec server, points the Web UI at it, and keeps payloads out of the database', async () => {
    const { dir, cleanup } = await tempDir('mlops-up-encrypted-');
    const keyFile = join(dir, 'payload.keys');
    await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const {
      port,
      uiPort,
      extra: [codecPort, gatewayPort],
    } = await freeStackPorts(2);
    const home = join(dir, 'home');
    const env = {
      ...process.env,
      MLOPS_HOME: home,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      MLOPS_UI_PORT: String(uiPort),
      MLOPS_TEMPORAL_HTTP_PORT: String(port + 10),
      MLOPS_GATEWAY_PORT: String(gatewayPort),
      MLOPS_ENCRYPTION_KEY_FILE: keyFile,
      MLOPS_CODEC_PORT: String(codecPort),
    };
    const up = spawnTestProcess(process.execPath, [MLOPS, 'up'], env);
    try {
      await up.waitFor(/mlops is ready/, 180000, 'stderr');
      const codecUrl = `http://127.0.0.1:${codecPort}`;
      expect(up.stdout()).toContain(`Temporal Web UI     http://127.0.0.1:${uiPort}`);
      expect(up.stdout()).toMatch(
        new RegExp(`payload encryption  on \\(.*payload\\.keys\\); codec server ${codecUrl}`),
      );
      const uiConfig = parse(await readFile(join(home, 'temporal', 'ui', 'config', 'development.yaml'), 'utf8'));
      expect(uiConfig.codec).toEqual({ endpoint: codecUrl, passAccessToken: false, includeCredentials: true });

      // The codec server answers with the token `mlops up` generated under MLOPS_HOME.
      const token = (await readFile(join(home, 'codec.token'), 'utf8')).trim();
      const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
      const body = payloadsBody([defaultPayloadConverter.toPayload({ hello: 'codec' })]);
      const encoded = await fetch(`${codecUrl}/encode`, { method: 'POST', headers: auth, body });
      const decoded = await fetch(`${codecUrl}/decode`, { method: 'POST', headers: auth, body: await encoded.text() });
      expect(parsePayloadsBody(await decoded.text()).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
        { hello: 'codec' },
      ]);
      expect((await fetch(`${codecUrl}/decode`, { method: 'POST', body })).status).toBe(401);

      // The CLI's client decodes results and failure messages.
      const check = await run(['data', 'check', SAMPLE, '--model', 'churn', '--json'], env);
      expect(check.code).toBe(0);
      expect(JSON.parse(check.stdout)).toMatchObject({ rows: 500, columns: 8, format: 'csv' });
      const missing = await run(['data', 'check', join(dir, 'missing-dataset.csv')], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^mlops: DatasetNotFound: dataset not found: .*missing-dataset\.csv\n$/);

      const db = (await filesUnder(join(home, 'temporal'))).filter((f) => /temporal\.db/.test(f));
      expect(db.length).toBeGreaterThan(0);
      // (The server's own records name its SQLite file under MLOPS_HOME; dataset paths are payloads, so encrypted.)
      expect(await scanFiles(db, ['churn-sample.csv', 'missing-dataset.csv'])).toEqual([]);

      up.child.kill('SIGINT');
      expect(await up.exited).toBe(0);
      expect(await isListening('127.0.0.1', codecPort, 200)).toBe(false);
    } finally {
      if (up.child.exitCode === null) up.child.kill('SIGKILL');
      await cleanup();
    }
  });
});
