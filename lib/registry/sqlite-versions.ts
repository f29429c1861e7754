/** Version-level operations of the SQLite registry: idempotent registration and lineage chains. */
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { toModelVersion } from './sqlite-tables';
import type { RegistryTables, VersionRow } from './sqlite-tables';
import type { LineageRecord, ModelVersion, RegisterVersionInput } from './types';

/**
 * Registers a version inside the caller's immediate transaction: returns the version an earlier call with the same
 * idempotency key created, otherwise creates the model on first use and inserts the next version number.
 */
export function registerIn(tables: RegistryTables, input: RegisterVersionInput, at: string): VersionRow {
  const { model, idempotencyKey, artifact } = input;
  const existing = tables
    .sql('SELECT * FROM versions WHERE model = ? AND idempotency_key = ?')
    .get(model, idempotencyKey) as VersionRow | undefined;
  if (existing) {
    if (existing.artifact_sha256 !== artifact.sha256) {
      const what = `idempotency key '${idempotencyKey}' already registered version ${existing.version} of '${model}'`;
      throw new DomainError(ErrorType.RegistryConflict, `${what} with another artifact: use a new key`);
    }
    return existing;
  }
  if (tables.sql('INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)').run(model, at).changes > 0) {
    tables.appendEvent('model-created', model, null, {}, at);
  }
  const parent = input.lineage.parentVersion;
  if (parent !== undefined && !tables.findVersion(model, parent)) {
    throw new DomainError(ErrorType.NotFound, `lineage.parentVersion ${parent} is not a version of '${model}': fix it`);
  }
  const { next } = tables
    .sql('SELECT coalesce(max(version), 0) + 1 AS next FROM versions WHERE model = ?')
    .get(model) as { next: number };
  tables
    .sql(
      `INSERT INTO versions (model, version, status, created_at, idempotency_key, artifact_sha256, artifact_bytes,
         artifact_kind, metrics, tags, lineage, description) VALUES (?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      model,
      next,
      at,
      idempotencyKey,
      artifact.sha256,
      artifact.bytes,
      artifact.kind ?? null,
      JSON.stringify(input.metrics ?? {}),
      JSON.stringify(input.tags ?? {}),
      JSON.stringify(input.lineage),
      input.description ?? null,
    );
  tables.appendEvent('version-registered', model, next, { idempotencyKey, artifact: artifact.uri }, at);
  return tables.requireVersion(model, next);
}

/** A version's lineage and its parents, nearest first, following `lineage.parentVersion` until none is left. */
export function lineageIn(tables: RegistryTables, row: VersionRow): LineageRecord {
  const version = withAliases(tables, row);
  const parents: ModelVersion[] = [];
  const seen = new Set([version.version]);
  for (let parent = version.lineage.parentVersion; parent !== undefined && !seen.has(parent);) {
    seen.add(parent);
    const parentRow = tables.findVersion(row.model, parent);
    if (!parentRow) break;
    const next = withAliases(tables, parentRow);
    parents.push(next);
    parent = next.lineage.parentVersion;
  }
  return { model: row.model, version: version.version, lineage: version.lineage, parents };
}

/** A version row with the aliases that point at it. */
export function withAliases(tables: RegistryTables, row: VersionRow): ModelVersion {
  return toModelVersion(row, tables.aliasesByVersion(row.model).get(row.version) ?? []);
}
