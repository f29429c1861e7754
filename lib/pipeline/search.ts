/** The `search` part of a pipeline spec: a successive-halving hyperparameter search instead of one training. */
import type { PipelineSpec } from '../../workflows/lifecycle-contracts';
import { searchSpaceProblems } from '../../workflows/policy/search-space';
import type { SearchSpace } from '../../workflows/policy/search-space';
import { at, cloneJson, compact, fits, isRecord, numberIn, onlyKnownKeys, record } from './checks';
import type { Problems } from './checks';
import { PART_KEYS } from './keys';

type Search = NonNullable<PipelineSpec['search']>;

/** Keys of each range type. */
const RANGE_KEYS: Record<string, readonly string[]> = {
  choice: ['type', 'values'],
  uniform: ['type', 'min', 'max'],
  loguniform: ['type', 'min', 'max'],
  int: ['type', 'min', 'max'],
};

/** Epochs of the last rung when `maxEpochs` is absent (the tuning workflow's default). */
const DEFAULT_MAX_EPOCHS = 9;

const isFixed = (v: unknown): boolean =>
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  fits(v, {}) ||
  (Array.isArray(v) && v.every((item) => fits(item, {})));

function rangeProblems(problems: Problems, path: string, name: string, range: unknown): void {
  if (isFixed(range)) return;
  if (
    isRecord(range) &&
    'type' in range &&
    !(typeof range.type === 'string' && Object.hasOwn(RANGE_KEYS, range.type))
  ) {
    problems.add(at(path, 'type'), 'must be choice, uniform, loguniform or int');
    return;
  }
  if (!isRecord(range) || typeof range.type !== 'string') {
    problems.add(
      path,
      'must be a range {type: choice | uniform | loguniform | int, …} or a fixed value (a string, number, true/false or list of numbers)',
    );
    return;
  }
  onlyKnownKeys(problems, path, range, RANGE_KEYS[range.type]);
  if (range.type === 'choice' && Array.isArray(range.values) && !range.values.every(isFixed)) {
    problems.add(at(path, 'values'), 'must hold strings, numbers, true/false or lists of numbers');
  }
  if (range.type !== 'choice' && [range.min, range.max].some((v) => typeof v === 'number' && !Number.isFinite(v))) {
    problems.add(path, 'needs finite min and max');
    return;
  }
  if (range.type === 'int' && fits(range.min, {}) && fits(range.max, {})) {
    if (!Number.isSafeInteger(range.min) || !Number.isSafeInteger(range.max)) {
      problems.add(path, 'is an int range, so min and max must be whole numbers');
    }
  }
  // The tuning workflow's own check, which names the parameter: "lr: loguniform needs min > 0".
  problems.addUnder('search.space', searchSpaceProblems({ [name]: range } as SearchSpace));
}

/** Checks `search`: a space of ranges the tuner can sample, and rung and budget settings it can run. */
export function parseSearch(problems: Problems, value: unknown): Search | undefined {
  const search = record(problems, 'search', value);
  if (!search) return undefined;
  onlyKnownKeys(problems, 'search', search, PART_KEYS.search);
  const before = problems.list.length;
  const space = record(problems, 'search.space', search.space, true);
  if (space) {
    for (const [name, range] of Object.entries(space)) rangeProblems(problems, at('search.space', name), name, range);
    if (!Object.values(space).some((range) => isRecord(range))) {
      problems.add('search.space', 'must hold at least one range to search (choice, uniform, loguniform or int)');
    }
  }
  if (search.trials === undefined) problems.add('search.trials', 'is required');
  const whole = (min: number) => ({ integer: true, min });
  const out: Search = compact({
    space: {},
    trials: numberIn(problems, 'search.trials', search.trials, whole(1)) ?? 0,
    eta: numberIn(problems, 'search.eta', search.eta, whole(2)),
    minEpochs: numberIn(problems, 'search.minEpochs', search.minEpochs, whole(1)),
    maxEpochs: numberIn(problems, 'search.maxEpochs', search.maxEpochs, whole(1)),
    concurrency: numberIn(problems, 'search.concurrency', search.concurrency, whole(1)),
    budgetDeviceSeconds: numberIn(problems, 'search.budgetDeviceSeconds', search.budgetDeviceSeconds, {
      min: 0,
      minExclusive: true,
    }),
  });
  if ((out.minEpochs ?? 1) > (out.maxEpochs ?? DEFAULT_MAX_EPOCHS)) {
    problems.add('search.minEpochs', `must be <= maxEpochs (${out.maxEpochs ?? `default ${DEFAULT_MAX_EPOCHS}`})`);
  }
  if (problems.list.length > before || !space) return undefined;
  return { ...out, space: cloneJson(space) as SearchSpace };
}
