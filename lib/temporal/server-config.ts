/** Renders the embedded server's and Web UI's config files from the templates in infra/temporal/. */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ServerPorts } from './ports';

/** infra/temporal/ in this checkout. */
export const INFRA_DIR = resolve(__dirname, '..', '..', 'infra', 'temporal');

/** Files the embedded stack runs from, all under `<home>/temporal`. */
export interface RenderedConfig {
  /** Folder of the SQLite file and configs. */
  dir: string;
  dbFile: string;
  serverConfig: string;
  /** Root folder for the UI server (`<root>/config/development.yaml`). */
  uiRoot: string;
}

/** Replaces `${NAME}` placeholders; a placeholder without a value is an error, never left in place. */
export function renderTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`config template needs a value for \${${name}}`);
    return String(values[name]);
  });
}

/** Writes server, dynamic and UI configs for `ports` under `<home>/temporal` and returns their paths. */
export async function renderEmbeddedConfig(options: {
  home: string;
  ports: ServerPorts;
  namespace: string;
  logLevel?: string;
}): Promise<RenderedConfig> {
  const dir = join(options.home, 'temporal');
  const uiRoot = join(dir, 'ui');
  await mkdir(join(uiRoot, 'config'), { recursive: true });
  const dbFile = join(dir, 'temporal.db');
  const dynamicConfig = join(dir, 'dynamicconfig.yaml');
  const serverConfig = join(dir, 'server.yaml');
  const p = options.ports;
  const serverValues = {
    LOG_LEVEL: options.logLevel ?? 'warn',
    DB_FILE: dbFile,
    DYNAMIC_CONFIG_FILE: dynamicConfig,
    FRONTEND_PORT: p.frontend,
    HTTP_PORT: p.http,
    HISTORY_PORT: p.history,
    MATCHING_PORT: p.matching,
    WORKER_PORT: p.worker,
    FRONTEND_MEMBERSHIP_PORT: p.frontendMembership,
    HISTORY_MEMBERSHIP_PORT: p.historyMembership,
    MATCHING_MEMBERSHIP_PORT: p.matchingMembership,
    WORKER_MEMBERSHIP_PORT: p.workerMembership,
    METRICS_PORT: p.metrics,
  };
  const serverTemplate = await readFile(join(INFRA_DIR, 'sqlite.yaml'), 'utf8');
  await writeFile(serverConfig, renderTemplate(serverTemplate, serverValues));
  await copyFile(join(INFRA_DIR, 'dynamicconfig.yaml'), dynamicConfig);
  const uiTemplate = await readFile(join(INFRA_DIR, 'ui.yaml'), 'utf8');
  const uiValues = { TEMPORAL_ADDRESS: `127.0.0.1:${p.frontend}`, UI_PORT: p.ui, NAMESPACE: options.namespace };
  await writeFile(join(uiRoot, 'config', 'development.yaml'), renderTemplate(uiTemplate, uiValues));
  return { dir, dbFile, serverConfig, uiRoot };
}
