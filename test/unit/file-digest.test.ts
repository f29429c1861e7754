import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestFile } from '../../lib/data/file-digest';
import { openDataset } from '../../lib/data/read';

describe('digestFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-digest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hashes a file larger than its chunk and progress step in a worker thread', async () => {
    const bytes = randomBytes(40 * 1024 * 1024 + 123);
    const path = join(dir, 'big.bin');
    writeFileSync(path, bytes);
    const seen: number[] = [];
    const digest = digestFile(path, bytes.length, (n) => seen.push(n));
    await expect(digest.digest()).resolves.toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(digest.bytesHashed()).toBe(bytes.length);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[seen.length - 1]).toBe(bytes.length);
  });

  it('refuses a file whose size is not the one it was opened with', async () => {
    const path = join(dir, 'grown.bin');
    writeFileSync(path, 'abcdef');
    await expect(digestFile(path, 3).digest()).rejects.toMatchObject({ type: 'DatasetCorrupt' });
  });

  it('reports a file that disappeared as the read error it is', async () => {
    await expect(digestFile(join(dir, 'missing.bin'), 1).digest()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hashes one file after another on pooled threads, a stopped hash included', async () => {
    const files = [randomBytes(9 * 1024 * 1024), randomBytes(1234), randomBytes(5 * 1024 * 1024 + 7)];
    const paths = files.map((bytes, i) => {
      const path = join(dir, `pooled-${i}.bin`);
      writeFileSync(path, bytes);
      return path;
    });
    const stopped = digestFile(paths[0], files[0].length);
    stopped.cancel();
    await expect(stopped.digest()).rejects.toThrow();
    for (let round = 0; round < 2; round++) {
      // Concurrent digests take separate threads; each gets its own file's digest.
      const digests = paths.map((path, i) => digestFile(path, files[i].length).digest());
      await expect(Promise.all(digests)).resolves.toEqual(
        files.map((bytes) => createHash('sha256').update(bytes).digest('hex')),
      );
    }
  });

  it('gives openDataset the digest of the bytes of an Arrow file read by offset', async () => {
    const { tableToIPC, tableFromArrays } = await import('apache-arrow');
    const ipc = tableToIPC(tableFromArrays({ x: Float64Array.from([1, 2, 3]) }), 'file');
    const path = join(dir, 'small.arrow');
    writeFileSync(path, ipc);
    const stream = await openDataset(path);
    let rows = 0;
    for await (const { batch } of stream.batches) rows += batch.numRows;
    expect(rows).toBe(3);
    await expect(stream.sha256()).resolves.toBe(createHash('sha256').update(ipc).digest('hex'));
  });
});
