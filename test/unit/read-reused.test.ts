/**
 * Arrow IPC files read into reused buffers (`openDataset(…, { reuseBuffers: true })`, as evaluation reads them):
 * the same rows as the usual read, through at most REUSED_BUFFERS buffers, and the usual read for files with
 * dictionaries.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Bool, Float64, Int64, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { drainBufferPool, pooledBufferBytes } from '../../lib/data/buffer-pool';
import { openDataset, REUSED_BUFFERS } from '../../lib/data/read';
import { generateTable } from '../../lib/data/generate';
import { tempDir } from '../helpers/temporal';

/** Rows of every batch as JSON, each taken before the next batch is read; and the buffers the batches lay in. */
async function readAll(path: string, reuseBuffers: boolean, release = false) {
  const stream = await openDataset(path, { reuseBuffers });
  const rows: unknown[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for await (const { batch, offset } of stream.batches) {
    expect(offset).toBe(rows.length);
    for (const row of batch.toArray()) rows.push(row.toJSON());
    for (const child of batch.data.children) if (child.values) buffers.add(child.values.buffer);
  }
  const sha256 = await stream.sha256();
  if (release) stream.release();
  return { rows, buffers, sha256 };
}

/** Seven record batches of 50 down to 1 rows with nulls in float, int64, plain (not dictionary) strings and bools. */
function plainTable(shift = 0): Table {
  // The largest first: each of the pool's buffers is then allocated once.
  const batches = [50, 40, 29, 22, 13, 7, 1].map((rows, b) => {
    const at = (r: number) => b * 100 + r + shift;
    return new Table({
      x: vectorFromArray(
        Array.from({ length: rows }, (_, r) => (at(r) % 7 === 0 ? null : at(r) / 3)),
        new Float64(),
      ),
      n: vectorFromArray(
        Array.from({ length: rows }, (_, r) => (at(r) % 5 === 0 ? null : BigInt(at(r)))),
        new Int64(),
      ),
      s: vectorFromArray(
        Array.from({ length: rows }, (_, r) => (at(r) % 4 === 0 ? null : `v${at(r)}`)),
        new Utf8(),
      ),
      ok: vectorFromArray(
        Array.from({ length: rows }, (_, r) => (at(r) % 6 === 0 ? null : at(r) % 2 === 0)),
        new Bool(),
      ),
    }).batches[0];
  });
  return new Table(batches);
}

describe('Arrow IPC read into reused buffers', () => {
  it('gives the rows and digest of the usual read, through at most REUSED_BUFFERS buffers', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const path = join(dir, 'plain.arrow');
      await writeFile(path, tableToIPC(plainTable(), 'file'));
      const usual = await readAll(path, false);
      const reused = await readAll(path, true);
      expect(usual.rows).toHaveLength(162);
      expect(reused.rows).toEqual(usual.rows);
      expect(reused.sha256).toBe(usual.sha256);
      expect(usual.buffers.size).toBeGreaterThan(REUSED_BUFFERS);
      expect(reused.buffers.size).toBeLessThanOrEqual(REUSED_BUFFERS);
    } finally {
      await cleanup();
    }
  });

  it('gives released buffers to the next read, which overwrites what they held', async () => {
    const { dir, cleanup } = await tempDir();
    drainBufferPool();
    try {
      const first = join(dir, 'first.arrow');
      const second = join(dir, 'second.arrow');
      await writeFile(first, tableToIPC(plainTable(), 'file'));
      // The same batch sizes with other values: a stale byte of the first file would show.
      await writeFile(second, tableToIPC(plainTable(1), 'file'));
      const a = await readAll(first, true, true);
      expect(pooledBufferBytes()).toBeGreaterThan(0);
      const b = await readAll(second, true, true);
      // The second read took the first's buffers from the pool.
      expect([...b.buffers].some((buffer) => a.buffers.has(buffer))).toBe(true);
      expect(b.rows).toEqual((await readAll(second, false)).rows);
      expect(a.rows).toEqual((await readAll(first, false)).rows);
    } finally {
      drainBufferPool();
      await cleanup();
    }
  });

  it('keeps buffers out of the pool until the reader releases them', async () => {
    const { dir, cleanup } = await tempDir();
    drainBufferPool();
    try {
      const path = join(dir, 'held.arrow');
      await writeFile(path, tableToIPC(plainTable(), 'file'));
      await readAll(path, true, false);
      expect(pooledBufferBytes()).toBe(0);
      const stream = await openDataset(path, { reuseBuffers: true });
      const iterator = stream.batches[Symbol.asyncIterator]();
      await iterator.next();
      // Stopped after one batch, then released: the buffers go to the pool once; a second release does nothing.
      await iterator.return?.(undefined);
      stream.release();
      expect(pooledBufferBytes()).toBeGreaterThan(0);
      stream.release();
    } finally {
      drainBufferPool();
      await cleanup();
    }
  });

  it('reads a file with dictionary batches the usual way', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const path = join(dir, 'dictionary.arrow');
      // The generator's categorical column is dictionary-encoded.
      const table = generateTable({ rows: 300, seed: 3 });
      await writeFile(
        path,
        tableToIPC(new Table([...table.slice(0, 100).batches, ...table.slice(100).batches]), 'file'),
      );
      expect((await readAll(path, true)).rows).toEqual((await readAll(path, false)).rows);
    } finally {
      await cleanup();
    }
  });
});
