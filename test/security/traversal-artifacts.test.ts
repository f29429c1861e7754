/**
 * The traversal corpus against the artifact store: store-relative paths, absolute paths, `sha256:` refs and kind
 * labels. Paths must stay in the store (PathOutsideStore otherwise), refs must be 64 hex digits, kinds names.
 */
import { LocalArtifactStore } from '../../lib/artifacts';
import {
  NAME_CORPUS,
  absoluteOutside,
  escapes,
  isInside,
  makeSandbox,
  pathCorpus,
  snapshotOutside,
  outcomeOf,
} from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

let sandbox: Sandbox;
let store: LocalArtifactStore;
let before: OutsideSnapshot;
const outputs: string[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox('artifacts');
  store = new LocalArtifactStore({ root: sandbox.root });
  before = await snapshotOutside(sandbox);
});

afterAll(async () => {
  await sandbox.cleanup();
});

const outcome = (call: () => unknown) => outcomeOf(call, outputs);

describe('artifact store against the traversal corpus', () => {
  it('refuses every path that leaves the store with PathOutsideStore', async () => {
    const wrong: string[] = [];
    for (const path of [...pathCorpus(sandbox), ...absoluteOutside(sandbox)]) {
      const type = await outcome(() => store.resolve(path));
      if (type !== 'PathOutsideStore') wrong.push(`${JSON.stringify(path)} -> ${type}`);
    }
    expect(wrong).toEqual([]);
  });

  it('resolves odd names (look-alikes, long names) only to places inside the store', async () => {
    const wrong: string[] = [];
    for (const name of NAME_CORPUS) {
      let resolved: string | undefined;
      const type = await outcome(() => {
        resolved = store.resolve(name);
      });
      if (type === 'ok' && resolved !== undefined && !isInside(sandbox.root, resolved)) {
        wrong.push(`${JSON.stringify(name)} -> ${resolved}`);
      } else if (type !== 'ok' && type !== 'PathOutsideStore' && type !== 'InvalidInput') {
        wrong.push(`${JSON.stringify(name)} -> ${type}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses every corpus entry as an artifact ref on read, localPath and has', async () => {
    const wrong: string[] = [];
    for (const ref of [...NAME_CORPUS, ...pathCorpus(sandbox), ...absoluteOutside(sandbox)]) {
      for (const [verb, call] of [
        ['read', () => store.read(ref)],
        ['localPath', () => store.localPath(ref)],
        ['has', () => store.has(ref)],
        ['read sha256:', () => store.read(`sha256:${ref}`)],
      ] as const) {
        const type = await outcome(call);
        if (type !== 'InvalidInput') wrong.push(`${verb} ${JSON.stringify(ref)} -> ${type}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses every corpus entry as a kind label, storing nothing', async () => {
    const wrong: string[] = [];
    for (const kind of NAME_CORPUS) {
      const type = await outcome(() => store.putBytes(Buffer.from(`bytes for ${kind}`), { kind }));
      if (type !== 'InvalidName') wrong.push(`${JSON.stringify(kind)} -> ${type}`);
    }
    expect(wrong).toEqual([]);
  });

  it('leaves everything outside the store untouched and never shows the secret', async () => {
    expect(await escapes(sandbox, before, outputs)).toEqual([]);
  });
});
