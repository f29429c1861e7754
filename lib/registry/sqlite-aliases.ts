/**
 * Alias moves of the SQLite registry: set, remove, promote, rollback and archive. Each function runs inside
 * the caller's immediate transaction, so a move and its event commit together or not at all.
 */
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { routedVersionsIn } from './sqlite-routes';
import type { RegistryTables } from './sqlite-tables';
import { Alias } from './types';
import type { AliasChange, ArchiveResult, ChampionChange, RollbackInput, SetAliasInput } from './types';

/** Aliases that only promote and rollback may move, so previous-champion always tracks the demoted champion. */
const MANAGED: readonly string[] = [Alias.champion, Alias.previousChampion];

/** Refuses the aliases that promote and rollback manage. */
export function refuseManagedAlias(alias: string): void {
  if (MANAGED.includes(alias)) {
    throw new DomainError(
      ErrorType.InvalidInput,
      `alias '${alias}' moves only through promote and rollback: use promote (or rollback) instead`,
    );
  }
}

/** Points an alias at an active version, honouring `expectedVersion` as compare-and-set. */
export function setAliasIn(tables: RegistryTables, input: SetAliasInput, at: string): AliasChange {
  const { model, alias, version } = input;
  tables.requireActive(model, version, 'aliased');
  const current = tables.aliasTarget(model, alias);
  const result = { model, alias, version, previousVersion: current };
  if (current === version) return { ...result, changed: false };
  if (input.expectedVersion !== undefined && current !== input.expectedVersion) {
    throw new DomainError(
      ErrorType.RegistryConflict,
      `alias '${alias}' of '${model}' points at ${current ?? 'nothing'}, not ${input.expectedVersion ?? 'nothing'}: read it again and retry`,
    );
  }
  tables.writeAlias(model, alias, version, at);
  tables.appendEvent('alias-set', model, version, { alias, from: current, to: version }, at);
  return { ...result, changed: true };
}

/** Removes an alias; a no-op when it is not set. */
export function removeAliasIn(tables: RegistryTables, model: string, alias: string, at: string): AliasChange {
  tables.requireModel(model);
  const current = tables.aliasTarget(model, alias);
  if (current === null || !tables.deleteAlias(model, alias)) {
    return { model, alias, version: null, previousVersion: current, changed: false };
  }
  tables.appendEvent('alias-removed', model, current, { alias, from: current }, at);
  return { model, alias, version: null, previousVersion: current, changed: true };
}

/** Makes `version` the champion; the old champion becomes previous-champion; a canary on `version` is removed. */
export function promoteIn(
  tables: RegistryTables,
  input: { model: string; version: number; reason?: string },
  at: string,
): ChampionChange {
  const { model, version } = input;
  tables.requireActive(model, version, 'promoted');
  const champion = tables.aliasTarget(model, Alias.champion);
  const canaryCleared = tables.aliasTarget(model, Alias.canary) === version && tables.deleteAlias(model, Alias.canary);
  if (champion === version) {
    if (canaryCleared) tables.appendEvent('alias-removed', model, version, { alias: Alias.canary, from: version }, at);
    const previousChampion = tables.aliasTarget(model, Alias.previousChampion);
    return { model, champion: version, previousChampion, changed: false };
  }
  if (champion !== null) tables.writeAlias(model, Alias.previousChampion, champion, at);
  tables.writeAlias(model, Alias.champion, version, at);
  const previousChampion = tables.aliasTarget(model, Alias.previousChampion);
  const data = { from: champion, to: version, previousChampion, canaryCleared, reason: input.reason ?? null };
  tables.appendEvent('promoted', model, version, data, at);
  return { model, champion: version, previousChampion, changed: true };
}

/** Swaps champion and previous-champion; retry-safe when `expectedChampion` is given. */
export function rollbackIn(tables: RegistryTables, input: RollbackInput, at: string): ChampionChange {
  const { model } = input;
  tables.requireModel(model);
  const champion = tables.aliasTarget(model, Alias.champion);
  const previous = tables.aliasTarget(model, Alias.previousChampion);
  if (input.expectedChampion !== undefined && champion !== input.expectedChampion) {
    const last = tables.lastEvent(model, ['promoted', 'rolled-back']);
    const undone = last?.type === 'rolled-back' && last.data.from === input.expectedChampion;
    if (undone && champion !== null && last.data.to === champion) {
      return { model, champion, previousChampion: previous, changed: false };
    }
    throw new DomainError(
      ErrorType.RegistryConflict,
      `champion of '${model}' is ${champion ?? 'unset'}, not ${input.expectedChampion}: read it again and retry`,
    );
  }
  if (previous === null) {
    throw new DomainError(
      ErrorType.RegistryConflict,
      `model '${model}' has no previous-champion to roll back to: promote a version instead`,
    );
  }
  tables.requireActive(model, previous, 'restored');
  tables.writeAlias(model, Alias.champion, previous, at);
  if (champion !== null) tables.writeAlias(model, Alias.previousChampion, champion, at);
  else tables.deleteAlias(model, Alias.previousChampion);
  if (tables.aliasTarget(model, Alias.canary) === previous) tables.deleteAlias(model, Alias.canary);
  tables.appendEvent(
    'rolled-back',
    model,
    previous,
    { from: champion, to: previous, reason: input.reason ?? null },
    at,
  );
  return { model, champion: previous, previousChampion: champion, changed: true };
}

/** Archives a version that is not the champion, removing its other aliases. */
export function archiveIn(
  tables: RegistryTables,
  input: { model: string; version: number; reason?: string },
  at: string,
): ArchiveResult {
  const { model, version } = input;
  const row = tables.requireVersion(model, version);
  if (row.status === 'archived') return { model, version, removedAliases: [], changed: false };
  if (tables.aliasTarget(model, Alias.champion) === version) {
    throw new DomainError(
      ErrorType.RegistryConflict,
      `version ${version} of '${model}' is the champion: promote another version or roll back before archiving it`,
    );
  }
  if (routedVersionsIn(tables, model).includes(version)) {
    throw new DomainError(
      ErrorType.RegistryConflict,
      `version ${version} of '${model}' is routed by the serving gateways: set routes without it before archiving it`,
    );
  }
  const removedAliases = tables.aliasesByVersion(model).get(version) ?? [];
  for (const alias of removedAliases) tables.deleteAlias(model, alias);
  tables.sql(`UPDATE versions SET status = 'archived' WHERE model = ? AND version = ?`).run(model, version);
  tables.appendEvent('archived', model, version, { removedAliases, reason: input.reason ?? null }, at);
  return { model, version, removedAliases, changed: true };
}
