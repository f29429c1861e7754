/**
 * The SQLite registry's schema, created on open and versioned with `PRAGMA user_version`. The event table is
 * append-only at the database level: triggers abort every UPDATE and DELETE on it.
 */
import Database from 'better-sqlite3';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/** Schema version this build writes and reads (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 2;

/** How long a connection waits for another process's write lock before failing, in milliseconds. */
export const BUSY_TIMEOUT_MS = 15000;

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS versions (
  model TEXT NOT NULL REFERENCES models (name),
  version INTEGER NOT NULL CHECK (version >= 1),
  status TEXT NOT NULL CHECK (status IN ('active', 'archived')),
  created_at TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  artifact_sha256 TEXT NOT NULL,
  artifact_bytes INTEGER NOT NULL,
  artifact_kind TEXT,
  metrics TEXT NOT NULL CHECK (json_valid(metrics)),
  tags TEXT NOT NULL CHECK (json_valid(tags)),
  lineage TEXT NOT NULL CHECK (json_valid(lineage)),
  description TEXT,
  PRIMARY KEY (model, version)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS versions_idempotency_key ON versions (model, idempotency_key);
CREATE INDEX IF NOT EXISTS versions_artifact ON versions (artifact_sha256);

CREATE TABLE IF NOT EXISTS aliases (
  model TEXT NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (model, alias),
  FOREIGN KEY (model, version) REFERENCES versions (model, version)
) STRICT;

CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  model TEXT NOT NULL,
  version INTEGER,
  data TEXT NOT NULL CHECK (json_valid(data))
) STRICT;
CREATE INDEX IF NOT EXISTS events_model ON events (model, id);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the registry event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the registry event log is append-only'); END;
`;

/** Version 2: serving routes per model, the desired state that gateway replicas reconcile to. */
const SCHEMA_V2 = `
CREATE TABLE IF NOT EXISTS routes (
  model TEXT PRIMARY KEY REFERENCES models (name),
  stable INTEGER NOT NULL,
  canary INTEGER,
  canary_weight REAL NOT NULL CHECK (canary_weight >= 0 AND canary_weight <= 1),
  generation INTEGER NOT NULL CHECK (generation >= 1),
  updated_at TEXT NOT NULL,
  FOREIGN KEY (model, stable) REFERENCES versions (model, version),
  FOREIGN KEY (model, canary) REFERENCES versions (model, version),
  CHECK (canary IS NULL OR canary <> stable),
  CHECK (canary IS NOT NULL OR canary_weight = 0)
) STRICT;
`;

/** Migrations by the version they produce; each runs once, in order, inside the migrating transaction. */
const MIGRATIONS: readonly [number, string][] = [
  [1, SCHEMA_V1],
  [2, SCHEMA_V2],
];

/**
 * Opens a registry database: WAL (readers never block the writer), a busy timeout so concurrent processes
 * queue for the write lock instead of failing, foreign keys on, and the schema created or checked.
 */
export function openRegistryDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Creates or upgrades the schema step by step; refuses a database written by a newer schema. */
function migrate(db: Database.Database, file: string): void {
  const check = (): boolean => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new DomainError(
        ErrorType.InvalidInput,
        `registry ${file} has schema version ${version}, newer than this build's ${SCHEMA_VERSION}: upgrade temporal-mlops`,
      );
    }
    return version === SCHEMA_VERSION;
  };
  if (check()) return;
  db.transaction(() => {
    if (check()) return;
    const from = db.pragma('user_version', { simple: true }) as number;
    for (const [version, sql] of MIGRATIONS) if (version > from) db.exec(sql);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
