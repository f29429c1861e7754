/**
 * How the project shows that its replay gate works: test/replay/replay.test.ts replays every committed
 * history against today's workflow code, so it must fail when a change breaks determinism. Here a copy of
 * `datasetCheckWorkflow` with a timer inserted before its activity (test/fixtures/changed-workflows/) fails
 * replay of the committed histories with a DeterminismViolationError, and the same change guarded by
 * `patched()` replays them cleanly. If this test stops failing the unguarded copy, the gate is blind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

const HISTORIES = join(__dirname, 'histories');
const CHANGED = join(__dirname, '..', 'fixtures', 'changed-workflows');
/** The committed datasetCheckWorkflow histories: a completed check and a missing dataset. */
const FILES = ['datasetCheckWorkflow-completed.binpb', 'datasetCheckWorkflow-dataset-not-found.binpb'];

/** Replays the committed histories on the workflows of `workflowsPath`; one result per history. */
async function replay(workflowsPath: string): Promise<ReplayResult[]> {
  const histories = FILES.map((file) => ({
    workflowId: file.replace(/\.binpb$/, ''),
    history: temporal.api.history.v1.History.decode(readFileSync(join(HISTORIES, file))),
  }));
  for (const { history } of histories) {
    expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(
      'datasetCheckWorkflow',
    );
  }
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) results.push(result);
  return results;
}

describe('the replay gate', () => {
  it('fails a timer inserted before an activity without patched()', async () => {
    const results = await replay(join(CHANGED, 'unguarded.ts'));
    expect(results.map((r) => r.workflowId)).toEqual(FILES.map((f) => f.replace(/\.binpb$/, '')));
    for (const { error } of results) {
      expect(error).toBeInstanceOf(DeterminismViolationError);
      expect(error?.message).toMatch(/Nondeterminism error: .*ActivityTaskScheduled/);
    }
  });

  it('passes the same change guarded by patched()', async () => {
    const results = await replay(join(CHANGED, 'patched.ts'));
    expect(results).toHaveLength(FILES.length);
    for (const { error } of results) expect(error).toBeUndefined();
  });
});
