/**
 * The default ModelRegistry: one SQLite file shared by every process on the machine. Every mutation runs in a
 * `BEGIN IMMEDIATE` transaction, so concurrent writers from separate processes queue for the write lock and each
 * reads the state it changes under that lock.
 */
import type Database from 'better-sqlite3';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { checkAlias, checkName, checkRegisterInput, checkText, checkVersion } from './names';
import { openRegistryDatabase } from './schema';
import { archiveIn, promoteIn, refuseManagedAlias, removeAliasIn, rollbackIn, setAliasIn } from './sqlite-aliases';
import { checkRoutesInput, getRoutesIn, listRoutesIn, setRoutesIn } from './sqlite-routes';
import { RegistryTables, toModelVersion } from './sqlite-tables';
import { lineageIn, registerIn, withAliases } from './sqlite-versions';
import type { VersionRow } from './sqlite-tables';
import type {
  AliasChange,
  ArchiveResult,
  ChampionChange,
  EventQuery,
  LineageRecord,
  ModelRegistry,
  ModelRoutes,
  ModelSummary,
  ModelVersion,
  RegisterVersionInput,
  RegistryEvent,
  RollbackInput,
  RoutesChange,
  SetAliasInput,
  SetRoutesInput,
} from './types';

/** Options of `SqliteModelRegistry`. */
export interface SqliteModelRegistryOptions {
  /** Database file (created when missing), or `:memory:`. */
  file: string;
}

const DEFAULT_EVENT_LIMIT = 1000;

/** A ModelRegistry in a SQLite file (better-sqlite3, WAL). */
export class SqliteModelRegistry implements ModelRegistry {
  private readonly db: Database.Database;
  private readonly tables: RegistryTables;

  constructor(options: SqliteModelRegistryOptions) {
    this.db = openRegistryDatabase(options.file);
    this.tables = new RegistryTables(this.db);
  }

  async registerVersion(input: RegisterVersionInput): Promise<ModelVersion> {
    checkRegisterInput(input);
    return this.write((at) => this.withAliases(registerIn(this.tables, input, at)));
  }

  async getVersion(model: string, ref: string): Promise<ModelVersion> {
    checkName('model name', model);
    return this.read(() => this.withAliases(this.tables.resolveRef(model, String(ref))));
  }

  async listModels(): Promise<ModelSummary[]> {
    return this.tables
      .sql(
        `SELECT m.name, m.created_at AS createdAt,
           (SELECT max(version) FROM versions v WHERE v.model = m.name AND v.status = 'active') AS latestVersion,
           (SELECT version FROM aliases a WHERE a.model = m.name AND a.alias = 'champion') AS championVersion,
           (SELECT count(*) FROM versions v WHERE v.model = m.name) AS versionCount,
           (SELECT count(*) FROM versions v WHERE v.model = m.name AND v.status = 'archived') AS archivedCount
         FROM models m ORDER BY m.name`,
      )
      .all() as ModelSummary[];
  }

  async listVersions(model: string, opts: { includeArchived?: boolean } = {}): Promise<ModelVersion[]> {
    checkName('model name', model);
    this.tables.requireModel(model);
    const filter = opts.includeArchived ? '' : `AND status = 'active'`;
    return this.read(() => {
      const rows = this.tables
        .sql(`SELECT * FROM versions WHERE model = ? ${filter} ORDER BY version`)
        .all(model) as VersionRow[];
      const aliases = this.tables.aliasesByVersion(model);
      return rows.map((row) => toModelVersion(row, aliases.get(row.version) ?? []));
    });
  }

  async setAlias(input: SetAliasInput): Promise<AliasChange> {
    checkName('model name', input.model);
    refuseManagedAlias(checkAlias(input.alias));
    checkVersion(input.version);
    if (input.expectedVersion !== undefined && input.expectedVersion !== null) checkVersion(input.expectedVersion);
    return this.write((at) => setAliasIn(this.tables, input, at));
  }

  async removeAlias(input: { model: string; alias: string }): Promise<AliasChange> {
    checkName('model name', input.model);
    refuseManagedAlias(checkAlias(input.alias));
    return this.write((at) => removeAliasIn(this.tables, input.model, input.alias, at));
  }

  async promote(input: { model: string; version: number; reason?: string }): Promise<ChampionChange> {
    checkName('model name', input.model);
    checkVersion(input.version);
    checkText('reason', input.reason);
    return this.write((at) => promoteIn(this.tables, input, at));
  }

  async rollback(input: RollbackInput): Promise<ChampionChange> {
    checkName('model name', input.model);
    checkText('reason', input.reason);
    if (input.expectedChampion !== undefined) checkVersion(input.expectedChampion);
    return this.write((at) => rollbackIn(this.tables, input, at));
  }

  async archive(input: { model: string; version: number; reason?: string }): Promise<ArchiveResult> {
    checkName('model name', input.model);
    checkVersion(input.version);
    checkText('reason', input.reason);
    return this.write((at) => archiveIn(this.tables, input, at));
  }

  async lineage(model: string, ref: string): Promise<LineageRecord> {
    checkName('model name', model);
    return this.read(() => lineageIn(this.tables, this.tables.resolveRef(model, String(ref))));
  }

  async getRoutes(model: string): Promise<ModelRoutes | null> {
    checkName('model name', model);
    return this.read(() => getRoutesIn(this.tables, model));
  }

  async setRoutes(input: SetRoutesInput): Promise<RoutesChange> {
    checkRoutesInput(input);
    return this.write((at) => setRoutesIn(this.tables, input, at));
  }

  async listRoutes(): Promise<ModelRoutes[]> {
    return listRoutesIn(this.tables);
  }

  async events(query: EventQuery = {}): Promise<RegistryEvent[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.model !== undefined) {
      where.push('model = ?');
      params.push(checkName('model name', query.model));
    }
    if (query.since !== undefined) {
      const since = new Date(query.since);
      if (Number.isNaN(since.getTime())) throw invalid(`since '${query.since}' is not a time: use ISO 8601`);
      where.push('at >= ?');
      params.push(since.toISOString());
    }
    if (query.afterId !== undefined) {
      if (!Number.isSafeInteger(query.afterId)) throw invalid(`afterId must be an event id (an integer)`);
      where.push('id > ?');
      params.push(query.afterId);
    }
    const limit = query.limit ?? DEFAULT_EVENT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1) throw invalid(`limit ${limit} is invalid: use a positive integer`);
    return this.tables.selectEvents(where, params, limit);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** Runs `change` in a `BEGIN IMMEDIATE` transaction with one timestamp for its rows and events. */
  private write<T>(change: (at: string) => T): T {
    return this.db.transaction(() => change(new Date().toISOString())).immediate();
  }

  /** Runs `query` in a deferred (read) transaction: one consistent snapshot for its several statements. */
  private read<T>(query: () => T): T {
    return this.db.transaction(query).deferred();
  }

  private withAliases(row: VersionRow): ModelVersion {
    return withAliases(this.tables, row);
  }
}

function invalid(message: string): DomainError {
  return new DomainError(ErrorType.InvalidInput, message);
}
