/**
 * The Temporal Web UI with payload encryption on, in headless chromium: a workflow's input is stored encrypted
 * (the raw SQLite bytes hold only ciphertext), and the UI shows it decoded through the codec server once the
 * browser signed in with the codec token; a browser that did not sign in sees no plaintext. The pinned UI server
 * gets the codec endpoint in its config as `mlops up` writes it. Skipped only where there is no chromium.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../lib/config';
import { startCodecServer } from '../../lib/security/codec-server';
import type { CodecServer } from '../../lib/security/codec-server';
import { createDataConverter, createEncryptionCodec } from '../../lib/security/data-converter';
import { quietPort } from '../../lib/temporal/ports';
import * as flowActivities from '../fixtures/secret-flow/activities';
import type { echoWorkflow } from '../fixtures/secret-flow/workflows';
import { scanFiles, temporalDbFiles } from '../helpers/secret-scan';
import { tempDir, testConfig, unique } from '../helpers/temporal';
import { findChromium, startWebUi } from '../helpers/web-ui';
import type { WebUi } from '../helpers/web-ui';

jest.setTimeout(120_000);

const chromiumPath = findChromium();
const describeWithChromium = chromiumPath ? describe : describe.skip;
const title = chromiumPath
  ? 'the Temporal Web UI with encrypted payloads'
  : 'the Temporal Web UI with encrypted payloads (skipped: no chromium found; install chromium or set MLOPS_CHROMIUM)';

describeWithChromium(title, () => {
  const token = randomBytes(16).toString('hex');
  const marker = `decodedmarker${randomBytes(8).toString('hex')}`;
  let dir: string;
  let cleanup: () => Promise<void>;
  let keep = false;
  let ui: WebUi;
  let codec: CodecServer;
  let browser: Browser;
  let env: TestWorkflowEnvironment;
  let workflowPath: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mlops-web-ui-codec-'));
    const keyFile = join(dir, 'payload.keys');
    await writeFile(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const config = loadConfig({ ...process.env, MLOPS_ENCRYPTION_KEY_FILE: keyFile });
    const uiPort = await quietPort();
    const uiOrigin = `http://127.0.0.1:${uiPort}`;
    codec = await startCodecServer({ codec: createEncryptionCodec(config)!, token, uiOrigins: [uiOrigin], port: 0 });
    await mkdir(join(dir, 'ui-server'), { recursive: true });
    ui = await startWebUi({
      temporalAddress: testConfig().temporalAddress,
      namespace: config.namespace,
      cacheDir: config.cacheDir,
      dir: join(dir, 'ui-server'),
      port: uiPort,
      codec: { endpoint: codec.url, passAccessToken: false, includeCredentials: true },
    });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true });

    const dataConverter = createDataConverter(config)!;
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: config.temporalAddress,
      namespace: config.namespace,
      client: { dataConverter },
    });
    const taskQueue = unique('ui-codec');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/secret-flow/workflows'),
      activities: flowActivities,
      dataConverter,
    });
    const workflowId = unique('ui-codec');
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof echoWorkflow>('echoWorkflow', {
        taskQueue,
        workflowId,
        args: [{ value: marker }],
      });
      const echoed = await handle.result();
      return { echoed, runId: handle.firstExecutionRunId };
    });
    expect(result.echoed).toEqual({ echoed: marker });
    workflowPath = `/namespaces/${config.namespace}/workflows/${encodeURIComponent(workflowId)}/${result.runId}/history`;
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await codec?.close();
    await env?.teardown();
    if (!keep) await cleanup?.();
  });

  /** Runs `steps` on a fresh browser context; on failure saves a screenshot and keeps the temporary folder. */
  async function withPage(name: string, steps: (page: Page) => Promise<void>): Promise<void> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      await steps(page);
    } catch (err) {
      keep = true;
      const screenshot = join(dir, `${name}-failure.png`);
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => undefined);
      if (err instanceof Error) err.message += `\nat ${page.url()}; screenshot ${screenshot}; UI log ${ui.logFile}`;
      throw err;
    } finally {
      await context.close();
    }
  }

  it('stores the workflow input only as ciphertext in the server database', async () => {
    const db = await temporalDbFiles();
    if (db.length === 0) return; // an external test server: its database is not on this machine
    expect(await scanFiles(db, [marker])).toEqual([]);
  });

  it('shows the decoded input to a browser signed in to the codec server', async () => {
    await withPage('signed-in', async (page) => {
      await page.goto(`${codec.url}/login?next=${encodeURIComponent(`${ui.url}${workflowPath}`)}`);
      await page.getByLabel('Codec token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${ui.url}/**`);
      // The Input panel shows the workflow's argument decoded: the codec server answered the browser.
      await page.getByText(`"value": "${marker}"`).first().waitFor();
    });
  });

  it('shows no plaintext to a browser that did not sign in', async () => {
    await withPage('anonymous', async (page) => {
      await page.goto(`${ui.url}${workflowPath}`);
      await page
        .getByText(/binary\/encrypted|encryption-key-id/)
        .first()
        .waitFor();
      expect(await page.content()).not.toContain(marker);
    });
  });
});
