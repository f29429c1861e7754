/**
 * Bounded fuzzing of the dataset readers (CSV, Arrow IPC, Parquet): every input is read whole or refused with a
 * typed error, within its time limit. `npm run fuzz -- --seconds N` runs the same properties for longer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { dataTargets } from './fuzz-data-targets';
import { ARROW_NEGATIVE_LENGTH_LOOP, screenArrowLoop } from './fuzz-known-issues';
import { KnownIssue, fuzzProperty } from './fuzz-property';
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

describe('known issues the fuzzer steps around', () => {
  // Reported: openDataset on these 5 bytes (.arrow) never ends. Drop the screen once read.ts guards against it.
  it(`screens "${ARROW_NEGATIVE_LENGTH_LOOP}"`, async () => {
    const path = join(scratch, 'negative-length.arrow');
    await writeFile(path, Uint8Array.from([0, 0, 0, 128, 0]));
    await expect(screenArrowLoop(path)).rejects.toBeInstanceOf(KnownIssue);
  });
});
