/** Test setup: the SDK logs warnings and errors only, so test output shows what matters. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Installed already by an earlier test file in this process.
}
