/**
 * Bounded fuzzing of the parsers of user documents (data contract, pipeline spec): every document is parsed or refused
 * with a typed error, within its time limit. `npm run fuzz -- --seconds N` runs the same properties for longer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parserTargets } from './fuzz-parser-targets';
import { fuzzProperty } from './fuzz-property';
import type { FuzzTarget } from './fuzz-property';

let scratch: string;
let targets: FuzzTarget[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'fuzz-parsers-'));
  targets = await parserTargets(scratch);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.each(['contract', 'pipeline-spec'])('fuzzing the %s parser', (name) => {
  it('parses every input or refuses it with a typed error, never hanging', async () => {
    const target = targets.find((t) => t.name === name)!;
    await fc.assert(fuzzProperty(target), { numRuns: target.testRuns });
  });
});
