/** Row-level access to the SQLite registry's tables; callers hold the transaction. */
import type Database from 'better-sqlite3';
import { ErrorType } from '../../workflows/contracts';
import { artifactUri } from '../artifacts/types';
import type { ArtifactRef } from '../artifacts/types';
import { DomainError } from '../errors';
import { checkAlias } from './names';
import type { Lineage, ModelVersion, RegistryEvent, RegistryEventType, VersionStatus } from './types';

/** A row of the `versions` table. */
export interface VersionRow {
  model: string;
  version: number;
  status: VersionStatus;
  created_at: string;
  idempotency_key: string;
  artifact_sha256: string;
  artifact_bytes: number;
  artifact_kind: string | null;
  metrics: string;
  tags: string;
  lineage: string;
  description: string | null;
}

interface EventRow {
  id: number;
  at: string;
  type: RegistryEventType;
  model: string;
  version: number | null;
  data: string;
}

/** Prepared-statement helpers over one connection. */
export class RegistryTables {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  /** A cached prepared statement. */
  sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Throws NotFound unless the model is registered. */
  requireModel(model: string): void {
    if (!this.sql('SELECT 1 FROM models WHERE name = ?').get(model)) {
      throw new DomainError(ErrorType.NotFound, `model '${model}' is not registered: check the name or register it`);
    }
  }

  /** The version row, or undefined. */
  findVersion(model: string, version: number): VersionRow | undefined {
    return this.sql('SELECT * FROM versions WHERE model = ? AND version = ?').get(model, version) as
      VersionRow | undefined;
  }

  /** The version row; NotFound when the model or version does not exist. */
  requireVersion(model: string, version: number): VersionRow {
    const row = this.findVersion(model, version);
    if (row) return row;
    this.requireModel(model);
    throw new DomainError(ErrorType.NotFound, `model '${model}' has no version ${version}: list its versions`);
  }

  /** The active version row; RegistryConflict when it is archived. */
  requireActive(model: string, version: number, action: string): VersionRow {
    const row = this.requireVersion(model, version);
    if (row.status === 'archived') {
      throw new DomainError(
        ErrorType.RegistryConflict,
        `version ${version} of '${model}' is archived and cannot be ${action}: use an active version`,
      );
    }
    return row;
  }

  /** Resolves a version number, alias or `latest` to a row. */
  resolveRef(model: string, ref: string): VersionRow {
    if (/^[1-9][0-9]{0,14}$/.test(ref)) return this.requireVersion(model, Number(ref));
    if (ref === 'latest') {
      const row = this.sql(
        `SELECT * FROM versions WHERE model = ? AND status = 'active' ORDER BY version DESC LIMIT 1`,
      ).get(model) as VersionRow | undefined;
      if (row) return row;
      this.requireModel(model);
      throw new DomainError(ErrorType.NotFound, `model '${model}' has no active version: register one`);
    }
    const version = this.aliasTarget(model, checkAlias(ref));
    if (version !== null) return this.requireVersion(model, version);
    this.requireModel(model);
    throw new DomainError(
      ErrorType.NotFound,
      `model '${model}' has no alias '${ref}': use a version number, 'latest' or a set alias`,
    );
  }

  /** The version an alias points at, or null. */
  aliasTarget(model: string, alias: string): number | null {
    const row = this.sql('SELECT version FROM aliases WHERE model = ? AND alias = ?').get(model, alias) as
      { version: number } | undefined;
    return row ? row.version : null;
  }

  /** Aliases of a model grouped by version, each list sorted. */
  aliasesByVersion(model: string): Map<number, string[]> {
    const rows = this.sql('SELECT alias, version FROM aliases WHERE model = ? ORDER BY alias').all(model) as {
      alias: string;
      version: number;
    }[];
    const byVersion = new Map<number, string[]>();
    for (const row of rows) byVersion.set(row.version, [...(byVersion.get(row.version) ?? []), row.alias]);
    return byVersion;
  }

  /** Points an alias at a version (insert or move). */
  writeAlias(model: string, alias: string, version: number, at: string): void {
    this.sql(
      `INSERT INTO aliases (model, alias, version, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
    ).run(model, alias, version, at);
  }

  /** Deletes an alias; true when it existed. */
  deleteAlias(model: string, alias: string): boolean {
    return this.sql('DELETE FROM aliases WHERE model = ? AND alias = ?').run(model, alias).changes > 0;
  }

  /** Appends one event to the log. */
  appendEvent(type: RegistryEventType, model: string, version: number | null, data: object, at: string): void {
    this.sql('INSERT INTO events (at, type, model, version, data) VALUES (?, ?, ?, ?, ?)').run(
      at,
      type,
      model,
      version,
      JSON.stringify(data),
    );
  }

  /** The newest event of one of `types` for a model, or undefined. */
  lastEvent(model: string, types: RegistryEventType[]): RegistryEvent | undefined {
    const marks = types.map(() => '?').join(', ');
    const row = this.sql(`SELECT * FROM events WHERE model = ? AND type IN (${marks}) ORDER BY id DESC LIMIT 1`).get(
      model,
      ...types,
    ) as EventRow | undefined;
    return row ? toEvent(row) : undefined;
  }

  /** Events matching a filter, oldest first. */
  selectEvents(where: string[], params: (string | number)[], limit: number): RegistryEvent[] {
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM events ${clause} ORDER BY id LIMIT ?`).all(...params, limit);
    return (rows as EventRow[]).map(toEvent);
  }
}

/** Maps a version row and its aliases to the public shape. */
export function toModelVersion(row: VersionRow, aliases: string[]): ModelVersion {
  const artifact: ArtifactRef = {
    sha256: row.artifact_sha256,
    uri: artifactUri(row.artifact_sha256),
    bytes: row.artifact_bytes,
  };
  if (row.artifact_kind !== null) artifact.kind = row.artifact_kind;
  const version: ModelVersion = {
    model: row.model,
    version: row.version,
    status: row.status,
    createdAt: row.created_at,
    artifact,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    tags: JSON.parse(row.tags) as Record<string, string>,
    lineage: JSON.parse(row.lineage) as Lineage,
    aliases,
    idempotencyKey: row.idempotency_key,
  };
  if (row.description !== null) version.description = row.description;
  return version;
}

function toEvent(row: EventRow): RegistryEvent {
  return {
    id: row.id,
    type: row.type,
    at: row.at,
    model: row.model,
    version: row.version,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}
