/**
 * Small checkers the pipeline spec parser is built from: each records a problem under a JSON-pointer-like
 * path (`rollout.steps`) and returns the value when it has the right type, so that one pass collects every
 * problem instead of stopping at the first.
 */

/** The problems found so far, each a one-line sentence that starts with the path it is about. */
export class Problems {
  readonly list: string[] = [];

  /** Records `<path> <message>` (just the message when the path is the root). */
  add(path: string, message: string): void {
    this.list.push(path === '' ? message : `${path} ${message}`);
  }

  /** Records problems from a policy checker (`steps must be …`) under `prefix` (`rollout.steps must be …`). */
  addUnder(prefix: string, found: readonly string[]): void {
    for (const problem of found) this.list.push(`${prefix}.${problem}`);
  }
}

/** Longest key echoed in a message; longer keys are cut so that a message stays readable. */
const MAX_KEY_SHOWN = 40;

/** The path of `key` inside `path`: `a.b` for plain keys, `a["odd key"]` for anything else. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z0-9_$-]{1,40}$/.test(key)) return path === '' ? key : `${path}.${key}`;
  const shown = key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN)}…` : key;
  return `${path}[${JSON.stringify(shown)}]`;
}

/**
 * True for a plain object (from JSON or YAML): not null, not an array, not a Date, Map or class instance.
 * Plain objects of any realm count (a vm context, a test environment), hence no `=== Object.prototype`.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return true;
  return Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]';
}

/** Returns `value` when it is a plain object; records a problem otherwise (or when required and absent). */
export function record(
  problems: Problems,
  path: string,
  value: unknown,
  required = false,
): Record<string, unknown> | undefined {
  if (value === undefined) {
    if (required) problems.add(path, 'is required');
    return undefined;
  }
  if (isRecord(value)) return value;
  problems.add(path, 'must be an object');
  return undefined;
}

/** Records one problem per key of `value` that is not in `known`. */
export function onlyKnownKeys(
  problems: Problems,
  path: string,
  value: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.add(at(path, key), `is not a known key (known: ${known.join(', ')})`);
  }
}

/** Returns `value` when it is a non-empty string; records a problem otherwise (or when required and absent). */
export function text(problems: Problems, path: string, value: unknown, required = false): string | undefined {
  if (value === undefined) {
    if (required) problems.add(path, 'is required');
    return undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') return value;
  problems.add(path, 'must be a non-empty string');
  return undefined;
}

/** Bounds of a number check; a check without `integer` accepts any finite number. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  /** `min` itself is excluded: `> min` rather than `>= min`. */
  minExclusive?: boolean;
  max?: number;
}

function describe(rule: NumberRule): string {
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (rule.min !== undefined && rule.max !== undefined) {
    return `${kind} in ${rule.minExclusive ? '(' : '['}${rule.min}, ${rule.max}]`;
  }
  if (rule.min !== undefined) return `${kind} ${rule.minExclusive ? '>' : '>='} ${rule.min}`;
  return kind;
}

/** True when `value` is a finite number (an integer when the rule says so) inside the rule's bounds. */
export function fits(value: unknown, rule: NumberRule): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (rule.integer && !Number.isSafeInteger(value)) return false;
  if (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min)) return false;
  return rule.max === undefined || value <= rule.max;
}

/** Returns `value` when it fits `rule`; records `<path> must be <a number in …>` otherwise. Absent is fine. */
export function numberIn(problems: Problems, path: string, value: unknown, rule: NumberRule): number | undefined {
  if (value === undefined) return undefined;
  if (fits(value, rule)) return value;
  problems.add(path, `must be ${describe(rule)}`);
  return undefined;
}

/** Returns `value` when it is a boolean; records a problem otherwise. Absent is fine. */
export function flag(problems: Problems, path: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  problems.add(path, 'must be true or false');
  return undefined;
}

/** Returns `value` when it is a non-empty array of non-empty strings; records a problem otherwise. */
export function textList(problems: Problems, path: string, value: unknown, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    return value as string[];
  }
  problems.add(path, `must be a non-empty list of ${what}`);
  return undefined;
}

/** A copy of `value` without its undefined entries, so that absent stays absent in workflow payloads. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A deep copy of a value already checked to be plain JSON data (so that the result shares nothing with it). */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cloneJson(item)])) as T;
  }
  return value;
}

/** Deepest nesting a spec may have; deeper values (or YAML alias cycles) are refused, not walked forever. */
export const MAX_DEPTH = 32;

/**
 * Records a problem for every part of `value` that JSON cannot carry as it is (NaN, Infinity, dates,
 * functions, class instances, cycles): trainer params travel as JSON in workflow payloads and `MLOPS_PARAMS`.
 */
export function jsonProblems(problems: Problems, path: string, value: unknown, depth = 0): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.add(path, 'must be a finite number');
    return;
  }
  if (depth >= MAX_DEPTH) {
    problems.add(path, `nests deeper than ${MAX_DEPTH} levels (or refers to itself through a YAML alias)`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => jsonProblems(problems, at(path, i), item, depth + 1));
    return;
  }
  if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) jsonProblems(problems, at(path, key), item, depth + 1);
    return;
  }
  problems.add(path, 'must be plain JSON data: null, true/false, a number, a string, a list or an object');
}
