/**
 * The Temporal Web UI as a user sees it, in headless chromium: after a model's lifecycle ran, the workflow list
 * filtered by `MlModel` shows `lifecycle:<model>`, and the workflow's page shows MlModel, MlStage and
 * MlModelVersion. The pinned UI server runs against the test server; chromium is the system one
 * (MLOPS_CHROMIUM, else PATH), and the test is skipped only where there is none. On failure a screenshot is
 * left in the test's temporary folder, which is then kept and named in the error.
 */
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { generateTable } from '../../lib/data/generate';
import { writeTable } from '../../lib/data/write';
import type { Gateway } from '../../lib/serving';
import type { mlLifecycleWorkflow } from '../../workflows';
import { tempDir, testConfig, unique } from '../helpers/temporal';
import { startLifecycleStack } from '../helpers/lifecycle-stack';
import type { LifecycleStack } from '../helpers/lifecycle-stack';
import { findChromium, startWebUi } from '../helpers/web-ui';
import type { WebUi } from '../helpers/web-ui';

jest.setTimeout(90_000);

const chromiumPath = findChromium();
const describeWithChromium = chromiumPath ? describe : describe.skip;
const title = chromiumPath
  ? 'the Temporal Web UI'
  : 'the Temporal Web UI (skipped: no chromium found; install chromium or set MLOPS_CHROMIUM)';

describeWithChromium(title, () => {
  const model = unique('webui');
  let queues: LifecycleStack['queues'];
  let stack: LifecycleStack | undefined;
  let dir: string;
  let cleanup: () => Promise<void>;
  let keep = false;
  let gw: Gateway;
  let env: TestWorkflowEnvironment;
  let ui: WebUi;
  let browser: Browser;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mlops-web-ui-'));
    const config = testConfig();
    ui = await startWebUi({
      temporalAddress: config.temporalAddress,
      namespace: config.namespace,
      cacheDir: config.cacheDir,
      dir,
    });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
    stack = await startLifecycleStack(dir);
    ({ env, gw, queues } = stack);
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    await stack?.stop();
    if (!keep) await cleanup?.();
  });

  /** Runs one lifecycle attempt (small data, 2 epochs of builtin:logreg) to its first deployment. */
  async function runLifecycle(): Promise<void> {
    const train = join(dir, 'train.parquet');
    const valid = join(dir, 'valid.parquet');
    await writeTable(generateTable({ rows: 3000, seed: 1 }), train);
    await writeTable(generateTable({ rows: 800, seed: 2 }), valid);
    const handle = await env.client.workflow.start<typeof mlLifecycleWorkflow>('mlLifecycleWorkflow', {
      taskQueue: queues.control,
      workflowId: `lifecycle:${model}`,
      args: [
        {
          spec: {
            model,
            datasets: { train, valid },
            label: 'label',
            trainer: { command: 'builtin:logreg', params: { maxEpochs: 2 }, seed: 1 },
            gates: { metrics: { accuracy: { min: 0.55 } } },
            rollout: { steps: [50, 100], bakeSeconds: 1, minRequests: 10, maxWaitSeconds: 1, gateways: [gw.url] },
          },
          queues,
          once: true,
        },
      ],
    });
    const status = await handle.result();
    expect(status.lastOutcome).toEqual(expect.objectContaining({ outcome: 'promoted', version: 1 }));
  }

  /** Waits until visibility (what the UI's list reads) has the closed lifecycle with its version attribute. */
  async function waitForVisibility(): Promise<void> {
    const query = `MlModel="${model}" AND WorkflowType="mlLifecycleWorkflow" AND MlModelVersion="1"`;
    for (let i = 0; i < 40; i++) {
      for await (const execution of env.client.workflow.list({ query })) {
        if (execution.workflowId === `lifecycle:${model}` && execution.status.name === 'COMPLETED') return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`visibility never listed lifecycle:${model} for ${query}`);
  }

  /** Runs `steps` on a fresh page; on failure saves a screenshot and keeps the temporary folder. */
  async function withPage(steps: (page: Page) => Promise<void>): Promise<void> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(20_000);
    try {
      await steps(page);
    } catch (err) {
      keep = true;
      const screenshot = join(dir, 'web-ui-failure.png');
      await page.screenshot({ path: screenshot, fullPage: true }).catch(() => undefined);
      if (err instanceof Error) err.message += `\nat ${page.url()}; screenshot ${screenshot}; UI log ${ui.logFile}`;
      throw err;
    } finally {
      await page.close();
    }
  }

  it('lists the lifecycle under its MlModel filter and shows its search attributes', async () => {
    await runLifecycle();
    await waitForVisibility();
    await withPage(async (page) => {
      const query = encodeURIComponent(`MlModel="${model}"`);
      await page.goto(`${ui.url}/namespaces/default/workflows?query=${query}`);
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `lifecycle:${model}` }) });
      await row.waitFor();
      const cells = await row.innerText();
      expect(cells).toContain('mlLifecycleWorkflow');
      expect(cells).toContain('Completed');

      // The list shows no search-attribute columns by default: the workflow's page has them.
      await row.getByRole('link', { name: `lifecycle:${model}` }).click();
      await page.waitForURL(new RegExp(`/workflows/${encodeURIComponent(`lifecycle:${model}`)}/`));
      await page.getByRole('tab', { name: 'Search Attributes' }).click();
      const heading = page.getByRole('heading', { name: 'Search Attributes', exact: true });
      const json = heading.locator('xpath=..').locator('.cm-content');
      await json.getByText('MlModelVersion').waitFor();
      const shown = JSON.parse(await json.innerText()) as Record<string, unknown>;
      expect(shown).toEqual(expect.objectContaining({ MlModel: model, MlStage: 'operations', MlModelVersion: '1' }));
    });
  });
});
