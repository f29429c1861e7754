/** `runUntilSignal` announces readiness only once a signal would reach its clean shutdown. */
import { runUntilSignal } from '../../workers/bootstrap';
import { createLogger } from '../../lib/logging';

describe('runUntilSignal', () => {
  it('installs its SIGINT and SIGTERM handlers before onRunning, and removes them before onStopped', async () => {
    const logger = createLogger('silent');
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const seen: string[] = [];
    await runUntilSignal([], logger, {
      onRunning: () => {
        seen.push('running');
        expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
        expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
      },
      onStopped: async () => {
        seen.push('stopped');
        expect(process.listenerCount('SIGINT')).toBe(before.int);
        expect(process.listenerCount('SIGTERM')).toBe(before.term);
      },
    });
    expect(seen).toEqual(['running', 'stopped']);
  });
});
