/** Every fuzz target, shared by the jest fuzz tests and `npm run fuzz`. */
import { dataTargets } from './fuzz-data-targets';
import type { FuzzTarget } from './fuzz-property';
import { parserTargets } from './fuzz-parser-targets';

/** Names of the targets, in the order they run. */
export const FUZZ_TARGET_NAMES = ['csv-bytes', 'csv-text', 'arrow', 'parquet', 'contract', 'pipeline-spec'] as const;

/** Builds every target; valid files to mutate and per-case files go into `scratch`. */
export async function fuzzTargets(scratch: string): Promise<FuzzTarget[]> {
  const targets = [...(await dataTargets(scratch)), ...(await parserTargets(scratch))];
  const names = targets.map((t) => t.name);
  if (names.join() !== FUZZ_TARGET_NAMES.join()) throw new Error(`fuzz targets out of step: ${names.join(', ')}`);
  return targets;
}
