/** Domain errors that carry a permanent-failure type; activities map them to non-retryable failures. */
import type { ErrorTypeName } from '../workflows/contracts';

/** A fault that retrying cannot fix (bad input, missing or corrupt file), tagged with its ErrorType. */
export class DomainError extends Error {
  /** The ErrorType name the activity adapter uses for the non-retryable ApplicationFailure. */
  readonly type: ErrorTypeName;

  constructor(type: ErrorTypeName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DomainError';
    this.type = type;
  }
}

/** True when the error is a DomainError. */
export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
