/** Test helpers: configuration of the test server, unique names, and temporary folders. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { canBind, defaultPorts, quietPort, quietPortRange } from '../../lib/temporal/ports';
import type { MlopsConfig } from '../../lib/config';

/** Config pointing at the server global setup provided. */
export function testConfig(): MlopsConfig {
  if (!process.env.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is not set: run tests through jest');
  return loadConfig();
}

/** A task queue or workflow id unique to this test run. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Creates a temporary folder and returns it with a remover. */
export async function tempDir(prefix = 'mlops-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Ports for a whole `mlops up` stack: a frontend port whose default layout (UI at +20, membership at −300 …) is
 * free, and `extra` more free ports (gateway, codec server) that are none of the layout's. All of them lie below the
 * OS's ephemeral range, so no other test's connections can take one between this check and the stack binding it.
 */
export async function freeStackPorts(extra = 0): Promise<{ port: number; uiPort: number; extra: number[] }> {
  const { low, high } = quietPortRange();
  for (;;) {
    const port = low + 300 + Math.floor(Math.random() * (high - 20 - (low + 300)));
    const layout = Object.values(defaultPorts(port, port + 20));
    const free = await Promise.all(layout.map((p) => canBind(p)));
    if (!free.every(Boolean)) continue;
    const others: number[] = [];
    while (others.length < extra) others.push(await quietPort([...layout, ...others]));
    return { port, uiPort: port + 20, extra: others };
  }
}
