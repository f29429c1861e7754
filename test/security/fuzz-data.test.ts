/**
 * Bounded fuzzing of the dataset readers (CSV, Arrow IPC, Parquet): every input is read whole or refused with a
 * typed error, within its time limit. `npm run fuzz -- --seconds N` runs the same properties for longer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { dataTargets } from './fuzz-data-targets';
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
