/** `mlops demo --model <name>`: the name becomes a folder under MLOPS_HOME, so the corpus is refused before any write. */
import type { Client } from '@temporalio/client';
import { runLifecycleDemo } from '../../client/demo';
import { DomainError } from '../../lib/errors';
import { NAME_CORPUS, escapes, makeSandbox, snapshotOutside } from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

let sandbox: Sandbox;
let before: OutsideSnapshot;

beforeAll(async () => {
  sandbox = await makeSandbox('home');
  before = await snapshotOutside(sandbox);
});

afterAll(async () => {
  await sandbox.cleanup();
});

describe('the demo model name', () => {
  it('refuses every corpus entry with InvalidName before writing anything', async () => {
    // The refusal comes before the demo needs a server, so no client is ever used.
    const client = {} as Client;
    for (const model of [...NAME_CORPUS, '../../escaped']) {
      const run = runLifecycleDemo({ client, home: sandbox.root, gatewayUrl: 'http://127.0.0.1:1', model });
      await expect(run).rejects.toBeInstanceOf(DomainError);
      await expect(run).rejects.toMatchObject({ type: 'InvalidName' });
    }
    expect(await escapes(sandbox, before)).toEqual([]);
  });
});
