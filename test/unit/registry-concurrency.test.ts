import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openRegistry } from '../../lib/registry';
import { spawnTs } from '../helpers/processes';
import type { TestProcess } from '../helpers/processes';
import { registration } from '../fixtures/registry/inputs';

const CLIENT = join(__dirname, '..', 'fixtures', 'registry', 'registry-client.ts');
const PROCESSES = 10;

let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'registry-race-'));
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/**
 * Starts one client process per input, waits until every one has started, releases them together and returns
 * each one's parsed JSON line.
 */
async function raceCalls(call: string, inputs: unknown[]): Promise<{ result?: unknown; error?: string }[]> {
  const children: TestProcess[] = inputs.map((input) => spawnTs(CLIENT, [JSON.stringify({ home, call, input })]));
  try {
    await Promise.all(children.map((child) => child.waitFor(/^ready$/m)));
    for (const child of children) child.child.stdin.write('go\n');
    const codes = await Promise.all(children.map((child) => child.exited));
    return children.map((child, i) => {
      const line = child.stdout().trim().split('\n').pop() ?? '';
      if (!line.startsWith('{')) throw new Error(`client ${i} exited ${codes[i]}: ${child.stderr().slice(-2000)}`);
      return JSON.parse(line) as { result?: unknown; error?: string };
    });
  } finally {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
  }
}

describe('SqliteModelRegistry across processes', () => {
  it('leaves exactly one champion after 10 concurrent promotions from 10 processes', async () => {
    const registry = openRegistry(home);
    for (let i = 1; i <= PROCESSES; i++) await registry.registerVersion(registration('iris', `run-${i}`));
    await registry.close();

    const outcomes = await raceCalls(
      'promote',
      Array.from({ length: PROCESSES }, (_, i) => ({ model: 'iris', version: i + 1 })),
    );
    expect(outcomes.filter((o) => o.error)).toEqual([]);

    const db = new Database(join(home, 'registry.db'), { readonly: true });
    const champions = db.prepare(`SELECT version FROM aliases WHERE model = 'iris' AND alias = 'champion'`).all();
    db.close();
    expect(champions.length).toBe(1);

    const reopened = openRegistry(home);
    try {
      const promoted = (await reopened.events({ model: 'iris' })).filter((e) => e.type === 'promoted');
      expect(promoted.length).toBe(PROCESSES);
      // Serialised: every promotion saw the champion the one before it left.
      promoted.forEach((event, i) => expect(event.data.from).toBe(i === 0 ? null : promoted[i - 1].data.to));
      expect(new Set(promoted.map((e) => e.data.to)).size).toBe(PROCESSES);
      const last = promoted[PROCESSES - 1].data;
      expect((await reopened.getVersion('iris', 'champion')).version).toBe(last.to);
      expect((await reopened.getVersion('iris', 'previous-champion')).version).toBe(last.from);
      expect(last.from).not.toBe(last.to);
    } finally {
      await reopened.close();
    }
  });

  it('creates one version from 10 concurrent registrations with the same idempotency key', async () => {
    const outcomes = await raceCalls(
      'registerVersion',
      Array.from({ length: PROCESSES }, () => registration('churn', 'training:churn:run-1')),
    );
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    const versions = outcomes.map((o) => (o.result as { version: number }).version);
    expect(versions).toEqual(Array.from({ length: PROCESSES }, () => 1));

    const registry = openRegistry(home);
    try {
      expect((await registry.listVersions('churn', { includeArchived: true })).length).toBe(1);
      const types = (await registry.events({ model: 'churn' })).map((e) => e.type);
      expect(types).toEqual(['model-created', 'version-registered']);
    } finally {
      await registry.close();
    }
  });
});
