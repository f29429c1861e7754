/**
 * Bounded fuzzing of the dataset readers (CSV, Arrow IPC, Parquet): every input is read whole or refused with a
 * typed error, within its time limit. `npm run fuzz -- --seconds N` runs the same properties for longer.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import fc from 'fast-check';
import { ByteBuffer } from 'flatbuffers';
import { dataTargets } from './fuzz-data-targets';
import { checkDatasetFile } from '../../lib/data/check';
import { openDataset } from '../../lib/data/read';
import { fuzzProperty } from './fuzz-property';
import type { FuzzTarget } from './fuzz-property';

let scratch: string;
let targets: FuzzTarget[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'fuzz-data-'));
  targets = await dataTargets(scratch);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.each(['csv-bytes', 'csv-text', 'arrow', 'parquet'])('fuzzing the %s reader', (name) => {
  it('reads every input or refuses it with a typed error, never hanging', async () => {
    const target = targets.find((t) => t.name === name)!;
    await fc.assert(fuzzProperty(target), { numRuns: target.testRuns });
  });
});

describe('Arrow message lengths that send the reader back over the file', () => {
  // apache-arrow's reader over a file handle moves backwards on a negative message length and re-reads forever;
  // openDataset bounds what it may read and refuses the file instead.
  it.each([
    ['negative length', [0, 0, 0, 128, 0]],
    ['continuation then negative length', [255, 255, 255, 255, 0, 0, 0, 128, 0]],
  ])('refuses %s as DatasetCorrupt', async (name, bytes) => {
    const path = join(scratch, `${name.replace(/ /g, '-')}.arrow`);
    await writeFile(path, Uint8Array.from(bytes));
    const read = async () => {
      for await (const batch of (await openDataset(path)).batches) void batch;
    };
    await expect(read()).rejects.toMatchObject({ type: 'DatasetCorrupt' });
  });
});

/**
 * `bytes` (an Arrow IPC stream or file) with the field-node count of its first record batch set to `count`. Messages
 * are walked from `start` (0 for a stream, 8 past a file's magic).
 */
function withNodeCount(bytes: Uint8Array, start: number, count: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let at = start; ;) {
    const length = view.getInt32(at + 4, true); // after the continuation marker
    const header = out.subarray(at + 8, at + 8 + length);
    const message = Message.getRootAsMessage(new ByteBuffer(header));
    if (message.headerType() === MessageHeader.RecordBatch) {
      const batch = message.header(new RecordBatch()) as RecordBatch;
      const bb = batch.bb!;
      // Field 1 of the RecordBatch table (`nodes`), whose vector's length is the word before its first element.
      const vector = bb.__vector(batch.bb_pos + bb.__offset(batch.bb_pos, 6));
      view.setInt32(at + 8 + vector - 4, count, true);
      return out;
    }
    at += 8 + length + Number(message.bodyLength());
  }
}

describe('Arrow headers whose counts do not fit them', () => {
  // A fuzzed file's record batch claimed 457 million field nodes in a 176-byte header: apache-arrow built them all
  // and the process ran out of memory. Counts are now checked against the header's bytes before Arrow decodes it.
  const table = tableFromArrays({ x: Float64Array.from([1, 2, 3]), y: Int32Array.from([4, 5, 6]) });
  it.each([
    ['stream', '.arrows', tableToIPC(table, 'stream'), 0],
    ['file', '.arrow', tableToIPC(table, 'file'), 8],
  ])(
    'refuses a %s whose record batch claims 400 million field nodes as DatasetCorrupt',
    async (_, ext, bytes, start) => {
      const valid = join(scratch, `counts-valid${ext}`);
      await writeFile(valid, bytes);
      // A stream's reader stops at its end marker; the check still hashes every byte (it used to wait forever).
      const checked = await checkDatasetFile(valid);
      expect(checked.rows).toBe(3);
      expect(checked.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      const path = join(scratch, `counts${ext}`);
      await writeFile(path, withNodeCount(bytes, start, 400_000_000));
      const read = async () => {
        for await (const batch of (await openDataset(path)).batches) void batch;
      };
      await expect(read()).rejects.toMatchObject({
        type: 'DatasetCorrupt',
        message: expect.stringMatching(/400000000 field nodes/),
      });
      await expect(checkDatasetFile(path)).rejects.toMatchObject({ type: 'DatasetCorrupt' });
    },
  );
});
