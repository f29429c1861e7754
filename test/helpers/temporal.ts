/** Test helpers: configuration of the test server, unique names, and temporary folders. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
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
