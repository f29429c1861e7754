/**
 * runTrainerProcess on a preemption notice, with real processes: SIGTERM to the trainer's group at once, SIGKILL to
 * whatever of it still runs after the preemption grace time or once the trainer has exited.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrainerProcess } from '../../lib/training/trainer-process';
import { processAlive as alive, waitFor } from '../helpers/processes';

const FORKING = join(__dirname, '..', 'fixtures', 'trainers', 'forking-trainer.js');

describe('runTrainerProcess on a preemption notice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-preempt-'));
  const strays: number[] = [];
  afterAll(() => {
    for (const pid of strays) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['the trainer ignores SIGTERM', 'trainer'],
    ['the grandchild ignores SIGTERM', 'grandchild'],
  ])('kills the whole group when %s', async (_, ignoreTerm) => {
    const pidsFile = join(dir, `${ignoreTerm}.json`);
    let notify: (() => void) | undefined;
    const started = Date.now();
    const run = runTrainerProcess({
      command: process.execPath,
      args: [FORKING, '--pids', pidsFile, '--ignore-term', ignoreTerm],
      env: {},
      onPreemption: (listener) => {
        notify = listener;
        return () => undefined;
      },
      preemptionGraceMs: 1500,
    });
    const pids = await waitFor(
      () =>
        existsSync(pidsFile)
          ? (JSON.parse(readFileSync(pidsFile, 'utf8')) as { trainer: number; grandchild: number })
          : undefined,
      20000,
      'the trainer to start',
    );
    strays.push(pids.trainer, pids.grandchild);
    const noticeAt = Date.now();
    notify!();
    const outcome = await run;
    if (ignoreTerm === 'trainer') {
      // Only the grace timer's SIGKILL stops it, and not before the grace time.
      expect(outcome.signal).toBe('SIGKILL');
      expect(Date.now() - noticeAt).toBeGreaterThanOrEqual(1400);
    } else {
      expect(outcome.signal).toBe('SIGTERM');
    }
    await waitFor(
      () => (!alive(pids.trainer) && !alive(pids.grandchild) ? true : undefined),
      5000,
      `trainer ${pids.trainer} and grandchild ${pids.grandchild} to be gone`,
    );
    expect(Date.now() - started).toBeLessThan(20000);
  });
});
