/**
 * Jest global setup: reuse the server at TEMPORAL_ADDRESS, or start the embedded one on ephemeral ports
 * with a temporary MLOPS_HOME. Tests read the address from process.env.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { ephemeralPorts } from '../../lib/temporal/ports';
import { prepareNamespace, provisionTemporal } from '../../lib/temporal/provision';
import type { TemporalStack } from '../../lib/temporal/provision';

declare global {
  var __MLOPS_TEST_STACK__: TemporalStack | undefined;
  var __MLOPS_TEST_HOME__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (process.env.TEMPORAL_ADDRESS) {
    await prepareNamespace(loadConfig());
    return;
  }
  const home = await mkdtemp(join(tmpdir(), 'mlops-test-'));
  const config = loadConfig({ ...process.env, MLOPS_HOME: home });
  const stack = await provisionTemporal({
    config,
    ports: await ephemeralPorts(),
    withUi: false,
    onProgress: (line) => process.stderr.write(`[test server] ${line}\n`),
  });
  process.env.TEMPORAL_ADDRESS = stack.address;
  process.env.MLOPS_TEST_SERVER_HOME = home;
  globalThis.__MLOPS_TEST_STACK__ = stack;
  globalThis.__MLOPS_TEST_HOME__ = home;
}
