/**
 * Serving routes of the SQLite registry: per model a stable version, an optional canary and the canary's share
 * of traffic. Gateways poll them as desired state; every change bumps the model's generation and appends a
 * `routes-set` event in the caller's immediate transaction.
 */
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { checkName, checkText, checkVersion } from './names';
import type { RegistryTables } from './sqlite-tables';
import type { ModelRoutes, RoutesChange, SetRoutesInput } from './types';

/** A row of the `routes` table. */
interface RoutesRow {
  model: string;
  stable: number;
  canary: number | null;
  canary_weight: number;
  generation: number;
  updated_at: string;
}

function toRoutes(row: RoutesRow): ModelRoutes {
  return {
    model: row.model,
    stable: row.stable,
    canary: row.canary,
    canaryWeight: row.canary_weight,
    generation: row.generation,
    updatedAt: row.updated_at,
  };
}

function invalid(message: string): DomainError {
  return new DomainError(ErrorType.InvalidInput, message);
}

/** Validates a `setRoutes` input's shape (not the versions' existence); throws InvalidName or InvalidInput. */
export function checkRoutesInput(input: SetRoutesInput): void {
  checkName('model name', input.model);
  checkVersion(input.stable);
  const canary = input.canary ?? null;
  if (canary !== null) checkVersion(canary);
  const weight = input.canaryWeight;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 1) {
    throw invalid(`canaryWeight must be a number from 0 to 1, got ${String(weight)}`);
  }
  if (canary === null && weight !== 0) {
    throw invalid(`canaryWeight is ${weight} but no canary is given: name a canary version or use 0`);
  }
  if (canary !== null && canary === input.stable) {
    throw invalid(`version ${canary} cannot be both stable and canary: route a different canary or none`);
  }
  checkText('reason', input.reason);
  const expected = input.expectedGeneration;
  if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw invalid(`expectedGeneration must be a generation (0 when no routes are set), got ${String(expected)}`);
  }
}

/** A model's routes, or null when none are set; NotFound for an unknown model. */
export function getRoutesIn(tables: RegistryTables, model: string): ModelRoutes | null {
  const row = tables.sql('SELECT * FROM routes WHERE model = ?').get(model) as RoutesRow | undefined;
  if (row) return toRoutes(row);
  tables.requireModel(model);
  return null;
}

/** Every model's routes, by model name. */
export function listRoutesIn(tables: RegistryTables): ModelRoutes[] {
  return (tables.sql('SELECT * FROM routes ORDER BY model').all() as RoutesRow[]).map(toRoutes);
}

/** The routed versions of a model (stable and canary), for refusing to archive them. */
export function routedVersionsIn(tables: RegistryTables, model: string): number[] {
  const row = tables.sql('SELECT stable, canary FROM routes WHERE model = ?').get(model) as
    Pick<RoutesRow, 'stable' | 'canary'> | undefined;
  if (!row) return [];
  return row.canary === null ? [row.stable] : [row.stable, row.canary];
}

/** Sets a model's routes inside the caller's immediate transaction; a no-op when they are already as asked. */
export function setRoutesIn(tables: RegistryTables, input: SetRoutesInput, at: string): RoutesChange {
  const { model, stable } = input;
  const canary = input.canary ?? null;
  tables.requireActive(model, stable, 'routed');
  if (canary !== null) tables.requireActive(model, canary, 'routed');
  const current = getRoutesIn(tables, model);
  const same =
    current !== null &&
    current.stable === stable &&
    current.canary === canary &&
    current.canaryWeight === input.canaryWeight;
  if (same) return { ...current, changed: false };
  const generation = current?.generation ?? 0;
  if (input.expectedGeneration !== undefined && input.expectedGeneration !== generation) {
    throw new DomainError(
      ErrorType.RegistryConflict,
      `routes of '${model}' are at generation ${generation}, not ${input.expectedGeneration}: read them again and retry`,
    );
  }
  tables
    .sql(
      `INSERT INTO routes (model, stable, canary, canary_weight, generation, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (model) DO UPDATE SET stable = excluded.stable, canary = excluded.canary,
         canary_weight = excluded.canary_weight, generation = excluded.generation, updated_at = excluded.updated_at`,
    )
    .run(model, stable, canary, input.canaryWeight, generation + 1, at);
  const next: ModelRoutes = {
    model,
    stable,
    canary,
    canaryWeight: input.canaryWeight,
    generation: generation + 1,
    updatedAt: at,
  };
  const summary = (r: ModelRoutes | null) =>
    r && { stable: r.stable, canary: r.canary, canaryWeight: r.canaryWeight, generation: r.generation };
  tables.appendEvent(
    'routes-set',
    model,
    stable,
    { from: summary(current), to: summary(next), reason: input.reason ?? null },
    at,
  );
  return { ...next, changed: true };
}
