/** docker-compose.yml and the Dockerfile agree with the code: queues, env names, ports, versions, search attributes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_TEMPORAL_ADDRESS, loadConfig, parseHostPort } from '../../lib/config';
import { TEMPORAL_SERVER, TEMPORAL_UI_SERVER } from '../../lib/temporal/versions';
import { customSearchAttributes, TaskQueue } from '../../workflows/contracts';

const ROOT = join(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose: ComposeFile = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services = Object.entries(compose.services);

/** The environment of a service as a name → value map, whichever of compose's two forms it uses. */
function envOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value ?? '')]));
}

function commandOf(service: ComposeService): string[] {
  const command = service.command ?? [];
  return Array.isArray(command) ? command : command.split(/\s+/);
}

/** Container ports a service publishes, keyed by container port, with the host port as the value. */
function publishedPorts(service: ComposeService): Map<number, number> {
  const ports = new Map<number, number>();
  for (const entry of service.ports ?? []) {
    if (typeof entry === 'object') {
      ports.set(Number(entry.target), Number(entry.published ?? entry.target));
    } else {
      const parts = String(entry).split(':');
      const target = Number(parts[parts.length - 1]);
      ports.set(target, parts.length > 1 ? Number(parts[parts.length - 2]) : target);
    }
  }
  return ports;
}

/** The image tag of the one service whose image is `repository`. */
function tagOf(repository: string): string {
  const images = services.map(([, s]) => s.image ?? '').filter((image) => image.split(':')[0] === repository);
  expect(images).toHaveLength(1);
  return images[0].split(':')[1];
}

/** Services built from this repository: the project's own processes. */
const projectServices = services.filter(([, s]) => s.build !== undefined);

/** Worker services: project services whose command is `worker`, with the queue their `--queue` names. */
const workers = projectServices
  .filter(([, s]) => commandOf(s)[0] === 'worker')
  .map(([name, s]) => {
    const command = commandOf(s);
    return { name, service: s, queue: command[command.indexOf('--queue') + 1] };
  });

/** Every environment variable name the project's code reads, collected from the modules that read them. */
function namesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  for (const file of ['lib/config.ts', 'lib/logging.ts', 'lib/training/gpus.ts']) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) names.add(match[1]);
  }
  return names;
}

describe('docker-compose.yml', () => {
  test('runs one worker service per task queue, each `node bin/mlops.js worker --queue <queue>`', () => {
    expect(workers.map((w) => w.queue).sort()).toEqual(Object.values(TaskQueue).sort());
    for (const worker of workers) {
      expect(commandOf(worker.service)).toEqual(['worker', '--queue', worker.queue]);
      expect(worker.service.build).toBe('.');
    }
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/mlops\.js"\]$/m);
  });

  test('sets only environment variables that the code reads on the project services', () => {
    const known = namesTheCodeReads();
    // The scan itself must work: these are read by lib/config.ts and lib/training/gpus.ts.
    for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'MLOPS_HOME', 'MLOPS_GPU_SLOTS']) {
      expect(known).toContain(name);
    }
    expect(projectServices.length).toBeGreaterThan(0);
    for (const [name, service] of projectServices) {
      // Names in an env_file would escape this check.
      expect({ service: name, env_file: service.env_file }).toEqual({ service: name, env_file: undefined });
      const unknown = Object.keys(envOf(service)).filter((env) => !known.has(env));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });

  test('publishes Temporal gRPC and the Web UI on the default ports of lib/config.ts', () => {
    const grpcPort = parseHostPort(DEFAULT_TEMPORAL_ADDRESS, 'DEFAULT_TEMPORAL_ADDRESS').port;
    const uiPort = loadConfig({}).uiPort;
    expect(publishedPorts(compose.services.temporal).get(grpcPort)).toBe(grpcPort);
    const ui = compose.services['temporal-ui'];
    expect(envOf(ui).TEMPORAL_UI_PORT).toBe(String(uiPort));
    expect(publishedPorts(ui).get(uiPort)).toBe(uiPort);
    expect(envOf(ui).TEMPORAL_ADDRESS).toBe(`temporal:${grpcPort}`);
    for (const worker of workers) {
      expect(envOf(worker.service).TEMPORAL_ADDRESS).toBe(`temporal:${grpcPort}`);
    }
  });

  test('pins the Temporal server, its admin tools and the Web UI to the versions the embedded stack builds', () => {
    const server = TEMPORAL_SERVER.version.replace(/^v/, '');
    expect(tagOf('temporalio/server')).toBe(server);
    // temporal-sql-tool's schema must be the server's own version.
    const adminTools = services.filter(([, s]) => s.image?.startsWith('temporalio/admin-tools:'));
    expect(adminTools.length).toBeGreaterThan(0);
    for (const [, service] of adminTools) expect(service.image).toBe(`temporalio/admin-tools:${server}`);
    expect(tagOf('temporalio/ui')).toBe(TEMPORAL_UI_SERVER.version.replace(/^v/, ''));
  });

  test("registers every custom search attribute as Keyword in the workers' namespace", () => {
    const setup = services.filter(([, s]) => commandOf(s).join(' ').includes('search-attribute create'));
    expect(setup).toHaveLength(1);
    const [, service] = setup[0];
    const script = commandOf(service).join(' ');
    expect(script).toContain('--type Keyword');
    for (const key of customSearchAttributes)
      expect({ name: key.name, type: key.type }).toEqual({ name: key.name, type: 'KEYWORD' });
    const loop = /for name in ([^;\n]+?);/.exec(script);
    expect(loop).not.toBeNull();
    expect(loop![1].trim().split(/\s+/).sort()).toEqual(customSearchAttributes.map((key) => key.name).sort());
    for (const worker of workers) {
      expect(envOf(worker.service).TEMPORAL_NAMESPACE).toBe(envOf(service).TEMPORAL_NAMESPACE);
    }
  });

  test('gives every worker the same named volume at its MLOPS_HOME', () => {
    const mounts = workers.map((worker) => {
      const home = envOf(worker.service).MLOPS_HOME;
      const mount = (worker.service.volumes ?? [])
        .map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v))
        .find((v) => v.target === home);
      return mount?.source;
    });
    expect(mounts).toHaveLength(Object.values(TaskQueue).length);
    expect(new Set(mounts).size).toBe(1);
    expect(Object.keys(compose.volumes ?? {})).toContain(mounts[0]);
  });

  test('creates the cluster with the history shard count of infra/temporal/postgres.yaml', () => {
    const postgres = parse(readFileSync(join(ROOT, 'infra', 'temporal', 'postgres.yaml'), 'utf8'));
    expect(envOf(compose.services.temporal).NUM_HISTORY_SHARDS).toBe(String(postgres.persistence.numHistoryShards));
  });
});
