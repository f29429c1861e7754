/** Search spaces for tuning and seeded trial sampling; pure and deterministic, usable inside workflows. */
import { seededRandom } from './random';

/** One parameter's range. */
export type ParamRange =
  | { type: 'choice'; values: (string | number | boolean | number[])[] }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'loguniform'; min: number; max: number }
  | { type: 'int'; min: number; max: number };

/** A search space: parameter name → range. Fixed values may be given as plain numbers or strings. */
export type SearchSpace = Record<string, ParamRange | string | number | boolean | number[]>;

function isRange(value: unknown): value is ParamRange {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'type' in value;
}

/** Checks a search space; returns a list of problems (empty when valid). */
export function searchSpaceProblems(space: SearchSpace): string[] {
  const problems: string[] = [];
  for (const [name, range] of Object.entries(space)) {
    if (!isRange(range)) continue;
    if (range.type === 'choice') {
      if (!Array.isArray(range.values) || range.values.length === 0) problems.push(`${name}: choice needs values`);
    } else if (!['uniform', 'loguniform', 'int'].includes(range.type)) {
      problems.push(`${name}: unknown range type '${(range as { type: string }).type}'`);
    } else if (!(typeof range.min === 'number' && typeof range.max === 'number' && range.min <= range.max)) {
      problems.push(`${name}: min and max must be numbers with min <= max`);
    } else if (range.type === 'loguniform' && range.min <= 0) {
      problems.push(`${name}: loguniform needs min > 0`);
    }
  }
  return problems;
}

/** Number of grid points when every range is a choice (or fixed); undefined when some range is continuous. */
export function gridSize(space: SearchSpace): number | undefined {
  let size = 1;
  for (const range of Object.values(space)) {
    if (!isRange(range)) continue;
    if (range.type !== 'choice') return undefined;
    size *= range.values.length;
  }
  return size;
}

/**
 * `count` parameter sets: the full grid (in order, cycled if `count` is larger) when the space is all
 * choices, seeded random draws otherwise.
 */
export function sampleTrials(space: SearchSpace, count: number, seed: number): Record<string, unknown>[] {
  const names = Object.keys(space);
  const grid = gridSize(space);
  const random = seededRandom(seed);
  const trials: Record<string, unknown>[] = [];
  for (let t = 0; t < count; t++) {
    const params: Record<string, unknown> = {};
    let index = t % (grid ?? 1);
    for (const name of names) {
      const range = space[name];
      if (!isRange(range)) params[name] = range;
      else if (range.type === 'choice') {
        if (grid !== undefined) {
          params[name] = range.values[index % range.values.length];
          index = Math.floor(index / range.values.length);
        } else params[name] = range.values[Math.floor(random() * range.values.length)];
      } else if (range.type === 'uniform') params[name] = range.min + random() * (range.max - range.min);
      else if (range.type === 'loguniform')
        params[name] = Math.exp(Math.log(range.min) + random() * (Math.log(range.max) - Math.log(range.min)));
      else params[name] = range.min + Math.floor(random() * (range.max - range.min + 1));
    }
    trials.push(params);
  }
  return trials;
}
