/** Replays every committed history against today's workflow code: a non-deterministic change fails here. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/bootstrap';
import * as workflows from '../../workflows';

const HISTORIES = join(__dirname, 'histories');
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.binpb'));

function load(file: string): temporal.api.history.v1.IHistory {
  return temporal.api.history.v1.History.decode(readFileSync(join(HISTORIES, file)));
}

function workflowType(history: temporal.api.history.v1.IHistory): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

describe('replay of recorded histories', () => {
  it('has a history for every workflow type', () => {
    const recorded = new Set(files.map((f) => workflowType(load(f))));
    for (const name of Object.keys(workflows)) expect(recorded).toContain(name);
  });

  it.each(files)('replays %s without non-determinism', async (file) => {
    const history = load(file);
    expect(history.events?.length).toBeGreaterThan(3);
    const results = Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, [
      { workflowId: file.replace(/\.binpb$/, ''), history },
    ]);
    for await (const result of results) expect(result.error).toBeUndefined();
  });
});
