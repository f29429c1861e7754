/** The model registry: the interface, the SQLite implementation and its opener. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteModelRegistry } from './sqlite-registry';
import type { ModelRegistry } from './types';

export { NAME_PATTERN, checkAlias, checkName } from './names';
export { BUSY_TIMEOUT_MS, SCHEMA_VERSION } from './schema';
export { SqliteModelRegistry } from './sqlite-registry';
export type { SqliteModelRegistryOptions } from './sqlite-registry';
export { Alias } from './types';
export type {
  AliasChange,
  ArchiveResult,
  ChampionChange,
  DatasetRole,
  EventQuery,
  Lineage,
  LineageDataset,
  LineageRecord,
  ModelRegistry,
  ModelSummary,
  ModelRoutes,
  ModelVersion,
  RegisterVersionInput,
  RegistryEvent,
  RegistryEventType,
  RollbackInput,
  RoutesChange,
  SetAliasInput,
  SetRoutesInput,
  VersionStatus,
} from './types';

/** File name of the SQLite registry inside the state folder. */
export const REGISTRY_FILE = 'registry.db';

/** Opens (creating when missing) the SQLite registry of a state folder: `<home>/registry.db`. */
export function openRegistry(home: string): ModelRegistry {
  mkdirSync(home, { recursive: true });
  return new SqliteModelRegistry({ file: join(home, REGISTRY_FILE) });
}
