/** Helpers for the Web UI test: the system chromium, and the pinned Web UI server against a running Temporal server. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBinaries, findOnPath } from '../../lib/temporal/binaries';
import { isListening, quietPort } from '../../lib/temporal/ports';
import { startProcess, waitUntilReady } from '../../lib/temporal/process';
import { renderUiConfig } from '../../lib/temporal/server-config';
import type { UiCodecConfig } from '../../lib/temporal/server-config';

/**
 * The chromium to drive: MLOPS_CHROMIUM when set (an error if it does not exist), else `chromium` or
 * `chromium-browser` on PATH; undefined when there is none. Playwright's own browser downloads are never used.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.MLOPS_CHROMIUM?.trim();
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(`MLOPS_CHROMIUM=${explicit} does not exist: point it at chromium or unset it`);
    return explicit;
  }
  return findOnPath('chromium', env.PATH) ?? findOnPath('chromium-browser', env.PATH);
}

/** A running Web UI server. */
export interface WebUi {
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the pinned Web UI server (infra/temporal/ui.yaml, as `mlops up` starts it) on 127.0.0.1 (`port`, else a
 * free one) against the server at `temporalAddress`, with its config and log under `dir`; with `codec`, the UI
 * decodes payloads through that codec server.
 */
export async function startWebUi(options: {
  temporalAddress: string;
  namespace: string;
  cacheDir: string;
  dir: string;
  port?: number;
  codec?: UiCodecConfig;
}): Promise<WebUi> {
  const { ui } = await ensureBinaries({ cacheDir: options.cacheDir });
  const port = options.port ?? (await quietPort());
  const root = join(options.dir, 'ui');
  await mkdir(options.dir, { recursive: true });
  await renderUiConfig({
    root,
    temporalAddress: options.temporalAddress,
    uiPort: port,
    namespace: options.namespace,
    codec: options.codec,
  });
  const server = startProcess({
    name: 'temporal-ui',
    command: ui,
    args: ['--root', root, '--config', 'config', '--env', 'development', 'start'],
    logFile: join(options.dir, 'ui.log'),
    cwd: root,
  });
  await waitUntilReady(server, () => isListening('127.0.0.1', port), {
    timeoutMs: 30000,
    what: `listen on 127.0.0.1:${port}`,
  });
  return { url: `http://127.0.0.1:${port}`, logFile: server.logFile, stop: () => server.stop() };
}
