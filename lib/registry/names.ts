/** Validation of registry names and inputs: every check throws a DomainError whose message says what to fix. */
import { ErrorType } from '../../workflows/contracts';
import { SHA256_HEX, printable } from '../artifacts/types';
import type { ArtifactRef } from '../artifacts/types';
import { DomainError } from '../errors';
import type { DatasetRole, Lineage, RegisterVersionInput } from './types';

/** Pattern of model names, aliases, tag keys and metric names: no `/`, no `..` prefix, no spaces. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const ROLES: readonly DatasetRole[] = ['train', 'valid', 'holdout', 'eval'];
const MAX_KEY = 256;
const MAX_TEXT = 4096;

/** Returns `value` when it matches NAME_PATTERN; throws InvalidName naming `what` otherwise. */
export function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new DomainError(
      ErrorType.InvalidName,
      `${what} '${printable(String(value))}' is invalid: start with a letter or digit, then use letters, digits, '.', '_' or '-' (at most 128)`,
    );
  }
  return value;
}

/** Returns `alias` when it is a valid alias: a name that is neither a number nor `latest`. */
export function checkAlias(alias: unknown): string {
  const name = checkName('alias', alias);
  if (!Number.isNaN(Number(name)) || name.toLowerCase() === 'latest') {
    throw new DomainError(
      ErrorType.InvalidName,
      `alias '${name}' would read as a version reference: choose a name that is not a number or 'latest'`,
    );
  }
  return name;
}

/** Returns `version` when it is a positive integer; throws InvalidInput otherwise. */
export function checkVersion(version: unknown): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw invalid(`version ${printable(String(version))} is invalid: use a positive integer such as 1`);
  }
  return version;
}

/** Returns an optional reason or description when it is a short string. */
export function checkText(what: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_TEXT) {
    throw invalid(`${what} must be a string of at most ${MAX_TEXT} characters`);
  }
  return value;
}

/** Validates a registration; throws InvalidName or InvalidInput at the first fault. */
export function checkRegisterInput(input: RegisterVersionInput): void {
  checkName('model name', input.model);
  const key = input.idempotencyKey;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY || /[\u0000-\u001f]/.test(key)) {
    throw invalid(`idempotencyKey must be 1 to ${MAX_KEY} printable characters, such as the workflow and run ids`);
  }
  checkArtifact('artifact', input.artifact);
  for (const [name, value] of Object.entries(input.metrics ?? {})) {
    checkName('metric name', name);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(`metric '${name}' must be a finite number, got ${printable(String(value))}`);
    }
  }
  for (const [name, value] of Object.entries(input.tags ?? {})) {
    checkName('tag key', name);
    if (typeof value !== 'string' || value.length > MAX_TEXT) {
      throw invalid(`tag '${name}' must be a string of at most ${MAX_TEXT} characters`);
    }
  }
  checkText('description', input.description);
  checkLineage(input.lineage);
}

function checkLineage(lineage: Lineage): void {
  if (typeof lineage !== 'object' || lineage === null || !Array.isArray(lineage.datasets)) {
    throw invalid('lineage must be an object with a datasets array (empty when there is none)');
  }
  lineage.datasets.forEach((dataset, i) => {
    if (!ROLES.includes(dataset?.role)) {
      throw invalid(`lineage.datasets[${i}].role must be one of ${ROLES.join(', ')}`);
    }
    if (typeof dataset.uri !== 'string' || dataset.uri.length === 0) {
      throw invalid(`lineage.datasets[${i}].uri must be a non-empty string`);
    }
    checkDigest(`lineage.datasets[${i}].sha256`, dataset.sha256);
  });
  if (lineage.contractSha256 !== undefined) checkDigest('lineage.contractSha256', lineage.contractSha256);
  if (lineage.profileSha256 !== undefined) checkDigest('lineage.profileSha256', lineage.profileSha256);
  if (lineage.profile !== undefined) checkArtifact('lineage.profile', lineage.profile);
  if (lineage.evaluation !== undefined) checkArtifact('lineage.evaluation', lineage.evaluation);
  if (lineage.parentVersion !== undefined) checkVersion(lineage.parentVersion);
  if (lineage.trainer !== undefined && typeof lineage.trainer?.command !== 'string') {
    throw invalid('lineage.trainer.command must be the trainer command line');
  }
  for (const [stage, seconds] of Object.entries(lineage.timings ?? {})) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw invalid(`lineage.timings.${stage} must be a non-negative number of seconds`);
    }
  }
}

function checkArtifact(what: string, ref: ArtifactRef): void {
  if (typeof ref !== 'object' || ref === null) throw invalid(`${what} must be an artifact ref from the artifact store`);
  checkDigest(`${what}.sha256`, ref.sha256);
  if (ref.uri !== `sha256:${ref.sha256}`) throw invalid(`${what}.uri must be 'sha256:' followed by its sha256`);
  if (!Number.isSafeInteger(ref.bytes) || ref.bytes < 0) throw invalid(`${what}.bytes must be a size in bytes`);
}

function checkDigest(what: string, value: unknown): void {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) {
    throw invalid(`${what} must be 64 lowercase hex digits (a sha256)`);
  }
}

function invalid(message: string): DomainError {
  return new DomainError(ErrorType.InvalidInput, message);
}
