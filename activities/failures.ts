/** Maps domain errors to Temporal failures so retry policies can tell permanent faults from transient ones. */
import { ApplicationFailure } from '@temporalio/common';
import { isDomainError } from '../lib/errors';

/** Runs `fn`; a DomainError becomes a non-retryable ApplicationFailure of its type, keeping the cause. */
export async function withDomainFailures<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDomainError(err)) {
      throw ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: true, cause: err });
    }
    throw err;
  }
}
