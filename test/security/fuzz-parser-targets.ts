/**
 * Fuzz targets over the parsers of user documents: the data contract (values and JSON files) and the pipeline
 * spec (values, YAML and JSON files). Inputs are arbitrary values, documents shaped like valid ones with
 * arbitrary leaves, and mutations of valid files.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { loadContract, parseContract } from '../../lib/data/contract';
import { ColumnType } from '../../lib/data/types';
import { loadPipelineSpec, parsePipelineSpec } from '../../lib/pipeline';
import { defineTarget, mutate, mutation } from './fuzz-property';
import type { FuzzTarget } from './fuzz-property';

/** Any JSON-ish leaf, including the awkward ones. */
const leaf = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', '../x', '__proto__', 'constructor'),
  fc.double(),
  fc.string(),
  fc.array(fc.oneof(fc.string(), fc.double(), fc.boolean()), { maxLength: 4 }),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(fc.oneof(a, leaf), { nil: undefined });

const rule = fc.record(
  {
    type: maybe(fc.constantFrom(...Object.values(ColumnType))),
    nullable: maybe(fc.boolean()),
    maxNullFraction: maybe(fc.double()),
    min: maybe(fc.oneof(fc.double(), fc.string())),
    max: maybe(fc.oneof(fc.double(), fc.string())),
    allowedValues: maybe(fc.array(fc.oneof(fc.string(), fc.double(), fc.boolean()))),
    unique: maybe(fc.boolean()),
    required: maybe(fc.boolean()),
  },
  { requiredKeys: [] },
);

/** Documents shaped like data contracts, with arbitrary leaves anywhere. */
const contractLike = fc.record(
  {
    columns: fc.oneof(fc.dictionary(fc.string(), fc.oneof(rule, leaf), { maxKeys: 4 }), leaf),
    rows: fc.oneof(fc.record({ min: leaf, max: leaf }, { requiredKeys: [] }), leaf),
    allowExtraColumns: leaf,
    $schema: leaf,
  },
  { requiredKeys: [] },
);

/** Documents shaped like pipeline specs: each part either its valid value or an arbitrary one. */
function specLike(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const parts = Object.entries(valid).map(([key, value]) => [key, fc.oneof(fc.constant(value), leaf, fc.object())]);
  return fc.record(Object.fromEntries(parts) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] });
}

/** Writes `text` to a file with `extension` in `scratch`, runs `load` on it, then removes it. */
function fileRunner(scratch: string) {
  let next = 0;
  return async (bytes: Uint8Array, extension: string, load: (path: string) => Promise<unknown>) => {
    const path = join(scratch, `doc-${process.pid}-${next++}${extension}`);
    await writeFile(path, bytes);
    try {
      await load(path);
    } finally {
      await rm(path, { force: true });
    }
  };
}

/** The example spec of the repository: a valid YAML document with comments, lists and nested parts. */
const EXAMPLE_SPEC = join(__dirname, '..', '..', 'examples', 'pipelines', 'churn.yaml');

/** The parser targets; documents go through files in `scratch`. */
export async function parserTargets(scratch: string): Promise<FuzzTarget[]> {
  const file = fileRunner(scratch);
  const encode = (text: string) => new TextEncoder().encode(text);
  const contractJson = encode(JSON.stringify({ columns: { a: { type: 'int64', min: 0 } }, rows: { min: 1 } }));
  const specYaml = new Uint8Array(await readFile(EXAMPLE_SPEC));
  const validSpec = parse(new TextDecoder().decode(specYaml)) as Record<string, unknown>;
  const specJson = encode(JSON.stringify(validSpec));
  return [
    defineTarget({
      name: 'contract',
      arbitrary: fc.oneof(
        fc.record({ value: fc.oneof(fc.anything(), contractLike) }),
        fc.record({
          bytes: fc.oneof(
            mutation.map((m) => mutate(contractJson, m)),
            fc.uint8Array({ maxLength: 128 }),
          ),
        }),
      ),
      run: async (input: { value?: unknown; bytes?: Uint8Array }) => {
        if (input.bytes) await file(input.bytes, '.json', loadContract);
        else parseContract(input.value, 'fuzz');
      },
      testRuns: 500,
      timeoutMs: 5000,
    }),
    defineTarget({
      name: 'pipeline-spec',
      arbitrary: fc.oneof(
        fc.record({ value: fc.oneof(fc.anything(), specLike(validSpec)) }),
        fc.record({ bytes: mutation.map((m) => mutate(specYaml, m)), extension: fc.constant('.yaml') }),
        fc.record({ bytes: mutation.map((m) => mutate(specJson, m)), extension: fc.constant('.json') }),
        fc.record({ bytes: fc.uint8Array({ maxLength: 256 }), extension: fc.constantFrom('.yaml', '.json') }),
      ),
      run: async (input: { value?: unknown; bytes?: Uint8Array; extension?: string }) => {
        if (input.bytes) await file(input.bytes, input.extension ?? '.yaml', loadPipelineSpec);
        else parsePipelineSpec(input.value, 'fuzz', dirname(EXAMPLE_SPEC));
      },
      testRuns: 400,
      timeoutMs: 5000,
    }),
  ];
}
