/** Helpers for the gateway tests: a registry with the evaluation fixtures registered, and a small HTTP client. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import { openArtifactStore } from '../../lib/artifacts';
import { openRegistry } from '../../lib/registry';
import { registerModelFile } from '../../lib/registry/register-model';
import { startGateway } from '../../lib/serving';
import type { Gateway, StartGatewayOptions } from '../../lib/serving';

/** The evaluation fixtures folder. */
export const FIXTURES = join(__dirname, '..', 'fixtures', 'evaluation');

/** The admin token the tests start gateways with. */
export const TOKEN = 'test-token-0123456789abcdef';

/** A logger that prints nothing. */
export const silent: Logger = pino({ level: 'silent' });

/** A fresh state folder. */
export async function newHome(): Promise<{ home: string; cleanup: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'gateway-'));
  return { home, cleanup: () => rm(home, { recursive: true, force: true }) };
}

/** Registers a fixture model as the next version of `model` (a distinct key per call); returns its version. */
export async function registerFixture(home: string, model: string, fixture: string, key: string): Promise<number> {
  const registry = openRegistry(home);
  try {
    const registered = await registerModelFile(
      { registry, store: openArtifactStore(home) },
      { model, modelPath: join(FIXTURES, fixture, 'model.onnx'), idempotencyKey: key },
    );
    return registered.version;
  } finally {
    await registry.close();
  }
}

/** Runs `fn` with the registry of `home` open. */
export async function withRegistry<T>(
  home: string,
  fn: (r: ReturnType<typeof openRegistry>) => Promise<T>,
): Promise<T> {
  const registry = openRegistry(home);
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}

/** Starts a gateway on an ephemeral port with the test token and a silent logger. */
export function gateway(home: string, options: Partial<StartGatewayOptions> = {}): Promise<Gateway> {
  return startGateway({ home, port: 0, token: TOKEN, logger: silent, reconcileMs: 100, ...options });
}

/** A response read whole: status, headers and the body parsed as JSON (text when it is not JSON). */
export interface Reply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Sends a request; `body` is sent as JSON unless it is a string or bytes. */
export async function call(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | Uint8Array | undefined;
  if (typeof init.body === 'string' || init.body instanceof Uint8Array) body = init.body;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Prometheus text and other plain bodies stay strings.
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Sends `count` requests with at most `concurrency` in flight; returns the replies in order. */
export async function callMany(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<Reply>,
): Promise<Reply[]> {
  const out = new Array<Reply>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await send(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}
