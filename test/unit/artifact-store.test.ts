import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalArtifactStore, openArtifactStore } from '../../lib/artifacts';
import type { ArtifactStore } from '../../lib/artifacts';
import { DomainError } from '../../lib/errors';

let dir: string;
let store: LocalArtifactStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artifact-store-'));
  store = new LocalArtifactStore({ root: join(dir, 'home', 'artifacts') });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Returns the DomainError type a call fails with, or 'ok' when it does not fail. */
async function failureType(call: () => unknown): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    if (err instanceof DomainError) return err.type;
    throw err;
  }
}

describe('LocalArtifactStore', () => {
  it('round-trips a file through put, read and localPath at sha256/<2 hex>/<hex>', async () => {
    const source = join(dir, 'model.onnx');
    const content = Buffer.from('not really onnx, but bytes all the same');
    await writeFile(source, content);
    const ref = await store.put(source, { kind: 'model' });
    expect(ref).toEqual({ sha256: sha(content), uri: `sha256:${sha(content)}`, bytes: content.length, kind: 'model' });
    expect(await store.read(ref)).toEqual(content);
    expect(await store.read(ref.uri)).toEqual(content);
    const path = await store.localPath(ref);
    expect(path).toBe(join(store.root, 'sha256', ref.sha256.slice(0, 2), ref.sha256));
    expect(await store.has(ref)).toBe(true);
    expect(await store.has(`sha256:${'0'.repeat(64)}`)).toBe(false);
  });

  it('is idempotent: same bytes give the same ref and one stored copy', async () => {
    const source = join(dir, 'a.bin');
    await writeFile(source, 'same bytes');
    const first = await store.put(source);
    const second = await store.putBytes(Buffer.from('same bytes'));
    const third = await store.put(source);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await readdir(join(store.root, 'sha256', first.sha256.slice(0, 2)))).toEqual([first.sha256]);
    expect(await readdir(join(store.root, 'tmp'))).toEqual([]);
  });

  it('streams a file larger than one read chunk', async () => {
    const content = Buffer.alloc(3 * (1 << 20) + 17, 7);
    await writeFile(join(dir, 'big.bin'), content);
    const ref = await store.put(join(dir, 'big.bin'));
    expect(ref.sha256).toBe(sha(content));
    expect(ref.bytes).toBe(content.length);
    expect(sha(await store.read(ref))).toBe(ref.sha256);
  });

  it('detects corruption on read and on localPath, and put repairs it', async () => {
    const ref = await store.putBytes(Buffer.from('original model bytes'));
    const path = store.resolve(ref.uri);
    await chmod(path, 0o644);
    await writeFile(path, 'tampered model bytes');
    expect(await failureType(() => store.read(ref))).toBe('ArtifactCorrupt');
    expect(await failureType(() => store.localPath(ref))).toBe('ArtifactCorrupt');
    await store.putBytes(Buffer.from('original model bytes'));
    expect((await store.read(ref)).toString()).toBe('original model bytes');
  });

  it('reports a missing artifact as NotFound and a malformed ref as InvalidInput', async () => {
    expect(await failureType(() => store.read(`sha256:${'a'.repeat(64)}`))).toBe('NotFound');
    expect(await failureType(() => store.localPath(`sha256:${'a'.repeat(64)}`))).toBe('NotFound');
    expect(await failureType(() => store.read('sha256:ABC'))).toBe('InvalidInput');
    expect(await failureType(() => store.putBytes(Buffer.from('x'), { kind: '../model' }))).toBe('InvalidName');
  });

  it('never leaves a partial artifact when a put fails', async () => {
    expect(await failureType(() => store.put(join(dir, 'does-not-exist.bin')))).toBe('NotFound');
    await mkdir(join(dir, 'a-directory'));
    expect(await failureType(() => store.put(join(dir, 'a-directory')))).toBe('InvalidInput');
    expect(await readdir(store.root)).toEqual(['tmp']);
    expect(await readdir(join(store.root, 'tmp'))).toEqual([]);
  });

  it('refuses every path that would leave the store', async () => {
    const outsideFile = join(dir, 'secret.txt');
    await writeFile(outsideFile, 'secret');
    await mkdir(join(store.root, 'links'), { recursive: true });
    await symlink(outsideFile, join(store.root, 'links', 'to-file'));
    await symlink(dir, join(store.root, 'links', 'to-dir'));
    await symlink(join(dir, 'nowhere'), join(store.root, 'links', 'dangling'));
    const corpus = [
      '../x',
      '..',
      '..\\x',
      'a\\..\\..\\x',
      'a/../../x',
      'sha256/../../x',
      './../x',
      '%2e%2e%2fx',
      '%2E%2E%2Fx',
      '..%2fx',
      '%2e%2e%5cx',
      '%252e%252e%252fx',
      '%25252e%25252e%25252fx',
      'sha256:../../x',
      '/etc/passwd',
      outsideFile,
      `${store.root}/../secret.txt`,
      'links/to-file',
      'links/to-dir/secret.txt',
      'links/to-dir/not-yet-there',
      'links/dangling',
      'x\0.txt',
      'x%00.txt',
    ];
    const escapes: string[] = [];
    for (const path of corpus) {
      const type = await failureType(() => store.resolve(path));
      if (type !== 'PathOutsideStore') escapes.push(`${JSON.stringify(path)} -> ${type}`);
    }
    expect(escapes).toEqual([]);
  });

  it('resolves refs, store-relative paths and absolute paths inside the root', async () => {
    const ref = await store.putBytes(Buffer.from('inside'));
    const path = join(store.root, 'sha256', ref.sha256.slice(0, 2), ref.sha256);
    expect(store.resolve(ref.uri)).toBe(path);
    expect(store.resolve(`sha256/${ref.sha256.slice(0, 2)}/${ref.sha256}`)).toBe(path);
    expect(store.resolve(path)).toBe(path);
    expect(store.resolve('reports/not-yet-written.json')).toBe(join(store.root, 'reports', 'not-yet-written.json'));
  });

  it('opens <home>/artifacts through openArtifactStore', async () => {
    const opened: ArtifactStore = openArtifactStore(join(dir, 'home'));
    const ref = await opened.putBytes(Buffer.from('shared'));
    expect((await store.read(ref)).toString()).toBe('shared');
  });
});
