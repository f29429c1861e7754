/** `mlops serve` as a user runs it: the start-up line, a prediction, the token file, and a clean stop on SIGTERM. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readPredictionLog } from '../../lib/serving';
import { spawnTestProcess } from '../helpers/processes';
import { call, newHome, registerFixture, withRegistry } from './gateway-helpers';

const MLOPS = join(__dirname, '..', '..', 'bin', 'mlops.js');

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

  it('refuses a bad port with exit code 2', async () => {
    const bad = spawnTestProcess(process.execPath, [MLOPS, 'serve', '--port', 'http'], env);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/--port must be an integer from 0 to 65535/);
  });
});
