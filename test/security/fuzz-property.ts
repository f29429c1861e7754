/**
 * What a fuzz target is and the one property every target must hold: each input gives a valid result or an
 * error of the project's typed kinds (a DomainError with a known ErrorType), never another error (TypeError,
 * RangeError, a worker crash that escapes) and never a hang (each case has a time limit). The jest tests and
 * `npm run fuzz` both run these properties.
 */
import fc from 'fast-check';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../../lib/errors';

/** One thing to fuzz: how to make inputs and how to run one. */
export interface FuzzTarget<T = unknown> {
  /** Short name, used by `npm run fuzz -- --target <name>`. */
  name: string;
  /** Inputs: arbitrary values, or mutations of valid ones. */
  arbitrary: fc.Arbitrary<T>;
  /** Runs one input; resolves for a valid result, rejects with whatever the code under test threw. */
  run: (input: T) => Promise<void>;
  /** Cases a jest run checks: a few seconds' worth, so CI stays fast. */
  testRuns: number;
  /** Time limit of one case in ms. */
  timeoutMs: number;
}

/** A target with its input type erased, so targets of different inputs share one list. */
export function defineTarget<T>(target: FuzzTarget<T>): FuzzTarget {
  return target as unknown as FuzzTarget;
}

/** Thrown when a case takes longer than its limit: the fuzzer found a hang. */
export class FuzzTimeout extends Error {
  constructor(target: string, ms: number) {
    super(`${target}: one case ran longer than ${ms} ms (a hang)`);
    this.name = 'FuzzTimeout';
  }
}

/** Thrown when a case fails with anything but a typed error; keeps the original as its cause. */
export class UntypedFailure extends Error {
  constructor(target: string, cause: unknown) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${target}: failed with an untyped error: ${what.split('\n')[0].slice(0, 500)}`, { cause });
    this.name = 'UntypedFailure';
  }
}

const TYPES: ReadonlySet<string> = new Set(Object.values(ErrorType));

/** True for the errors a bad input may end in: a DomainError of a known ErrorType. */
export function isTypedError(err: unknown): boolean {
  return err instanceof DomainError && TYPES.has(err.type);
}

/** Runs `work` with a time limit; rejects with FuzzTimeout when it runs over. */
async function withTimeout(target: string, ms: number, work: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzTimeout(target, ms)), ms);
  });
  try {
    await Promise.race([work(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** The property of a target: every case resolves or fails typed, within its time limit. */
export function fuzzProperty<T>(target: FuzzTarget<T>): fc.IAsyncProperty<[T]> {
  return fc.asyncProperty(target.arbitrary, async (input) => {
    await withTimeout(target.name, target.timeoutMs, async () => {
      try {
        await target.run(input);
      } catch (err) {
        if (!isTypedError(err)) throw new UntypedFailure(target.name, err);
      }
    });
  });
}

/** Mutations of a valid file: truncation, bit flips, overwritten and inserted bytes. */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; flips: [number, number][] }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

/** Arbitrary mutations; positions are fractions of the file's length, so one mutation fits any file. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('flip' as const),
    flips: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
);

/** Applies a mutation to a copy of `bytes`. */
export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const index = (fraction: number) => Math.min(bytes.length - 1, Math.floor(fraction * bytes.length));
  if (m.kind === 'truncate') return bytes.slice(0, Math.floor(m.at * bytes.length));
  const out = new Uint8Array(bytes);
  if (m.kind === 'flip') {
    for (const [at, bit] of m.flips) out[index(at)] ^= 1 << bit;
    return out;
  }
  const at = index(m.at);
  if (m.kind === 'overwrite') {
    out.set(m.bytes.subarray(0, out.length - at), at);
    return out;
  }
  return Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
}
