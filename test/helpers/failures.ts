/** Awaiting an expected failure of a given class in tests. */

/** Resolves with the error `promise` rejects with, which must be an instance of `type`. */
export async function failureOf<T extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name}`);
}
