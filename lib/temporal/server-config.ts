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

/**
 * Where the Web UI sends payloads to be decoded (the `codec:` section of the UI server's config). The browser calls
 * the endpoint itself, so it must be reachable from the browser and list the UI's origin in MLOPS_CODEC_UI_ORIGIN.
 */
export interface UiCodecConfig {
  endpoint: string;
  /** Forward the UI user's OIDC access token as `Authorization: Bearer` (the UI does so only to https endpoints). */
  passAccessToken: boolean;
  /** Send the browser's cookies for the endpoint (the codec server's session cookie). */
  includeCredentials: boolean;
}

/** The YAML `codec:` section for `codec`, or '' when there is none. */
export function uiCodecSection(codec: UiCodecConfig | undefined): string {
  if (!codec) return '';
  if (!/^https?:\/\/[^\s'"]+$/.test(codec.endpoint))
    throw new Error(`codec endpoint must be an http(s) URL: ${codec.endpoint}`);
  return [
    '# Payloads are encrypted: the UI decodes them through the mlops codec server (docs/security.md).',
    'codec:',
    `  endpoint: ${codec.endpoint}`,
    `  passAccessToken: ${codec.passAccessToken}`,
    `  includeCredentials: ${codec.includeCredentials}`,
    '',
  ].join('\n');
}

/** Writes the UI server's config (`<root>/config/development.yaml`) from infra/temporal/ui.yaml. */
export async function renderUiConfig(options: {
  root: string;
  temporalAddress: string;
  uiPort: number;
  namespace: string;
  codec?: UiCodecConfig;
}): Promise<string> {
  await mkdir(join(options.root, 'config'), { recursive: true });
  const template = await readFile(join(INFRA_DIR, 'ui.yaml'), 'utf8');
  const values = { TEMPORAL_ADDRESS: options.temporalAddress, UI_PORT: options.uiPort, NAMESPACE: options.namespace };
  const file = join(options.root, 'config', 'development.yaml');
  const rendered = renderTemplate(template, values);
  await writeFile(file, `${rendered}${rendered.endsWith('\n') ? '' : '\n'}${uiCodecSection(options.codec)}`);
  return file;
}

/** Writes server, dynamic and UI configs for `ports` under `<home>/temporal` and returns their paths. */
export async function renderEmbeddedConfig(options: {
  home: string;
  ports: ServerPorts;
  namespace: string;
  logLevel?: string;
  /** The UI's codec server, when payloads are encrypted. */
  codec?: UiCodecConfig;
}): Promise<RenderedConfig> {
  const dir = join(options.home, 'temporal');
  const uiRoot = join(dir, 'ui');
  await mkdir(dir, { recursive: true });
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
  await renderUiConfig({
    root: uiRoot,
    temporalAddress: `127.0.0.1:${p.frontend}`,
    uiPort: p.ui,
    namespace: options.namespace,
    codec: options.codec,
  });
  return { dir, dbFile, serverConfig, uiRoot };
}
