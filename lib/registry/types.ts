/**
 * The model registry's contract: versions with lineage, aliases (`champion`, `canary`, …) and an append-only
 * event log. Async so a PostgreSQL store can implement it as well as the SQLite default.
 */
import type { ArtifactRef } from '../artifacts/types';

/** Aliases the lifecycle gives meaning to; `champion` and `previous-champion` move only by promote/rollback. */
export const Alias = {
  champion: 'champion',
  canary: 'canary',
  previousChampion: 'previous-champion',
} as const;

/** What a dataset was used for in producing a version. */
export type DatasetRole = 'train' | 'valid' | 'holdout' | 'eval';

/** A dataset a version was trained or evaluated on, by content digest. */
export interface LineageDataset {
  role: DatasetRole;
  uri: string;
  sha256: string;
}

/** Where a version came from: data, contract, profile, trainer, code, run, parent, evaluation and costs. */
export interface Lineage {
  datasets: LineageDataset[];
  contractSha256?: string;
  profileSha256?: string;
  profile?: ArtifactRef;
  trainer?: { command: string; params?: Record<string, unknown>; seed?: number };
  codeVersion?: string;
  workflowId?: string;
  runId?: string;
  /** The version of the same model this one was derived from (fine-tuned, retrained). */
  parentVersion?: number;
  evaluation?: ArtifactRef;
  /** Seconds per stage: ingest, preprocess, train, evaluate, serve. */
  timings?: Record<string, number>;
  training?: { deviceSeconds: number; wallSeconds: number; costEstimate: number; preemptions: number };
}

/** Input of `registerVersion`. */
export interface RegisterVersionInput {
  model: string;
  /** Retrying with the same key returns the version the first call created. */
  idempotencyKey: string;
  artifact: ArtifactRef;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
  lineage: Lineage;
  description?: string;
}

/** Lifecycle state of a version; archived versions keep lineage, metrics and artifact references. */
export type VersionStatus = 'active' | 'archived';

/** One registered version of a model. */
export interface ModelVersion {
  model: string;
  version: number;
  status: VersionStatus;
  /** ISO 8601. */
  createdAt: string;
  artifact: ArtifactRef;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  lineage: Lineage;
  /** Aliases that point at this version, sorted. */
  aliases: string[];
  idempotencyKey: string;
  description?: string;
}

/** One model in `listModels`. */
export interface ModelSummary {
  name: string;
  createdAt: string;
  latestVersion: number | null;
  championVersion: number | null;
  versionCount: number;
  archivedCount: number;
}

/** Input of `setAlias`. */
export interface SetAliasInput {
  model: string;
  alias: string;
  version: number;
  /** Compare-and-set: the version the alias must point at now (`null`: must be unset), else RegistryConflict. */
  expectedVersion?: number | null;
}

/** Result of `setAlias` and `removeAlias`. */
export interface AliasChange {
  model: string;
  alias: string;
  /** Where the alias points now; null when removed. */
  version: number | null;
  previousVersion: number | null;
  /** False when the call found the alias already in the requested state. */
  changed: boolean;
}

/** Result of `promote` and `rollback`. */
export interface ChampionChange {
  model: string;
  champion: number;
  previousChampion: number | null;
  /** False when the call found the change already made (a retry). */
  changed: boolean;
}

/** Input of `rollback`. */
export interface RollbackInput {
  model: string;
  reason?: string;
  /**
   * The champion the caller means to roll back. When set, a champion that differs is a RegistryConflict,
   * except when the latest rollback already demoted exactly this version: then the call is a no-op retry.
   */
  expectedChampion?: number;
}

/** Result of `archive`. */
export interface ArchiveResult {
  model: string;
  version: number;
  /** Aliases that pointed at the version and were removed. */
  removedAliases: string[];
  changed: boolean;
}

/** A version with the chain of its parent versions, nearest first. */
export interface LineageRecord {
  model: string;
  version: number;
  lineage: Lineage;
  parents: ModelVersion[];
}

/** Types of registry events. */
export type RegistryEventType =
  | 'model-created'
  | 'version-registered'
  | 'alias-set'
  | 'alias-removed'
  | 'promoted'
  | 'rolled-back'
  | 'archived'
  | 'routes-set';

/** One entry of the append-only event log. */
export interface RegistryEvent {
  /** Increasing position in the log; use it as a cursor (`afterId`). */
  id: number;
  type: RegistryEventType;
  /** ISO 8601. */
  at: string;
  model: string;
  version: number | null;
  data: Record<string, unknown>;
}

/** Filter of `events`. */
export interface EventQuery {
  model?: string;
  /** ISO 8601 time; events at or after it. */
  since?: string;
  /** Events after this id. */
  afterId?: number;
  /** At most this many, oldest first (default 1000). */
  limit?: number;
}

/**
 * A model's serving routes: the desired state every gateway replica reconciles to. `stable` takes the traffic the
 * canary does not; `canaryWeight` (0..1) is the canary's share.
 */
export interface ModelRoutes {
  model: string;
  stable: number;
  /** Null when no canary is routed. */
  canary: number | null;
  canaryWeight: number;
  /** Increments on every change, from 1; the same routes written again leave it as it is. */
  generation: number;
  /** ISO 8601 time of the last change. */
  updatedAt: string;
}

/** Input of `setRoutes`. */
export interface SetRoutesInput {
  model: string;
  stable: number;
  canary?: number | null;
  /** The canary's share of traffic, 0..1; must be 0 without a canary. */
  canaryWeight: number;
  reason?: string;
  /** Compare-and-set: the generation the routes must have now (0: must be unset), else RegistryConflict. */
  expectedGeneration?: number;
}

/** Result of `setRoutes`. */
export interface RoutesChange extends ModelRoutes {
  /** False when the call found the routes already as requested. */
  changed: boolean;
}

/** A model registry. Every mutation is atomic; lookups that find nothing throw NotFound. */
export interface ModelRegistry {
  /** Registers a new version (1, 2, 3… per model), creating the model on first use; idempotent per key. */
  registerVersion(input: RegisterVersionInput): Promise<ModelVersion>;
  /** Looks up a version by number (`"3"`), alias (`"champion"`) or `"latest"` (newest active version). */
  getVersion(model: string, ref: string): Promise<ModelVersion>;
  /** Every model with its latest and champion versions and counts, by name. */
  listModels(): Promise<ModelSummary[]>;
  /** A model's versions, oldest first; archived ones only when asked. */
  listVersions(model: string, opts?: { includeArchived?: boolean }): Promise<ModelVersion[]>;
  /** Points an alias at an active version, atomically; compare-and-set with `expectedVersion`. */
  setAlias(input: SetAliasInput): Promise<AliasChange>;
  /** Removes an alias; a no-op when it is not set. */
  removeAlias(input: { model: string; alias: string }): Promise<AliasChange>;
  /** Makes `version` the champion; the old champion becomes previous-champion, a canary on `version` is cleared. */
  promote(input: { model: string; version: number; reason?: string }): Promise<ChampionChange>;
  /** Swaps champion and previous-champion; RegistryConflict when there is no previous-champion. */
  rollback(input: RollbackInput): Promise<ChampionChange>;
  /** Archives a version (never the champion) and removes its other aliases. */
  archive(input: { model: string; version: number; reason?: string }): Promise<ArchiveResult>;
  /** A version's lineage and the chain of its parent versions. */
  lineage(model: string, ref: string): Promise<LineageRecord>;
  /** A model's serving routes, or null when none are set (gateways then serve the champion). */
  getRoutes(model: string): Promise<ModelRoutes | null>;
  /** Sets a model's serving routes to active versions; idempotent, appends a `routes-set` event on change. */
  setRoutes(input: SetRoutesInput): Promise<RoutesChange>;
  /** The routes of every model that has them, by model name. */
  listRoutes(): Promise<ModelRoutes[]>;
  /** Reads the event log, oldest first. */
  events(query?: EventQuery): Promise<RegistryEvent[]>;
  /** Releases the store's resources. */
  close(): Promise<void>;
}
