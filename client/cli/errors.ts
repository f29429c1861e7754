/** CLI exit codes and the mapping from errors to one-line messages. */
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { ConfigError } from '../../lib/config';
import { ProvisionError } from '../../lib/temporal/binaries';
import { isDomainError } from '../../lib/errors';
import { ServerUnavailableError } from '../connection';

/** Exit codes shared by every command (DESIGN.md). */
export const ExitCode = {
  ok: 0,
  /** The check ran and failed: invalid data, gate failed, drift found. */
  checkFailed: 1,
  /** Bad usage or unreadable input. */
  usage: 2,
} as const;

/** An error the CLI reports as one line with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Finds the innermost ApplicationFailure of a workflow failure chain. */
export function rootApplicationFailure(err: unknown): ApplicationFailure | undefined {
  let current: unknown = err;
  let found: ApplicationFailure | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) found = current;
    current = current instanceof TemporalFailure || current instanceof WorkflowFailedError ? current.cause : undefined;
  }
  return found;
}

/** Turns any error into the one line and exit code the user sees. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof ConfigError || err instanceof ProvisionError || err instanceof ServerUnavailableError) {
    return { message: err.message, exitCode: ExitCode.usage };
  }
  if (isDomainError(err)) return { message: `${err.type}: ${err.message}`, exitCode: ExitCode.usage };
  const failure = rootApplicationFailure(err);
  if (failure) return { message: `${failure.type ?? 'Error'}: ${failure.message}`, exitCode: ExitCode.usage };
  const message = err instanceof Error ? err.message : String(err);
  return { message: message.split('\n')[0], exitCode: ExitCode.checkFailed };
}
