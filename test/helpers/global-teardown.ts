/** Jest global teardown: stops the server the setup started and removes its temporary state. */
import { rm } from 'node:fs/promises';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__MLOPS_TEST_STACK__?.stop();
  if (globalThis.__MLOPS_TEST_HOME__) await rm(globalThis.__MLOPS_TEST_HOME__, { recursive: true, force: true });
}
