/**
 * Reconciles a gateway replica to the registry's desired state: polls the routes (and the champions of models
 * without routes), loads the versions they need, swaps the served routes in one assignment, and unloads the
 * versions that nothing routes or pins any more. One pass runs at a time.
 */
import type { Logger } from 'pino';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { chooseVersion, routedVersions, sameRoute } from './routing';
import type { RouteState } from './routing';
import { loadServedVersion } from './served-version';
import type { ServedVersion, VersionSource } from './served-version';

/** The routes a replica serves for one model and the versions they use. */
export interface ServedModel {
  route: RouteState;
  versions: ReadonlyMap<number, ServedVersion>;
}

/** One model as `GET /admin/models` shows it. */
export interface ModelStatus {
  model: string;
  routes: RouteState | null;
  loaded: { version: number; sha256: string; loadedAt: string; routed: boolean; pinned: boolean }[];
  /** The last failure to apply the desired routes; the previous routes keep serving meanwhile. */
  error?: string;
}

const key = (model: string, version: number) => `${model}@${version}`;
const MAX_BACKOFF_MS = 30_000;

/** Keeps one replica's loaded versions and routes in line with the registry. */
export class Reconciler {
  private table: ReadonlyMap<string, ServedModel> = new Map();
  private readonly loaded = new Map<string, ServedVersion>();
  private readonly pinned = new Set<string>();
  private readonly errors = new Map<string, string>();
  private readonly failures = new Map<string, { until: number; count: number; error: unknown }>();
  private known = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly source: VersionSource,
    private readonly logger: Logger,
    private readonly onApplied: (table: ReadonlyMap<string, ServedModel>) => void = () => undefined,
  ) {}

  /** The routes and versions served for a model, or undefined. */
  served(model: string): ServedModel | undefined {
    return this.table.get(model);
  }

  /** The version a request for `model` goes to, by routing key or at random. */
  pick(model: string, routingKey?: string): ServedVersion | undefined {
    const served = this.table.get(model);
    return served && served.versions.get(chooseVersion(served.route, routingKey));
  }

  /** A loaded version (routed or pinned), or undefined. */
  loadedVersion(model: string, version: number): ServedVersion | undefined {
    return this.loaded.get(key(model, version));
  }

  /** Why the model's desired routes could not be applied at the last pass, if they could not. */
  errorOf(model: string): string | undefined {
    return this.errors.get(model);
  }

  /** True when the registry knew the model at the last pass. */
  knows(model: string): boolean {
    return this.known.has(model);
  }

  /** Runs one pass now (after any pass in progress). */
  reconcile(): Promise<void> {
    return this.exclusive(() => this.pass());
  }

  /** Loads a version and pins it, so it stays loaded whatever the routes say until `unload`. */
  load(model: string, version: number): Promise<ServedVersion> {
    return this.exclusive(async () => {
      const served = await this.ensureLoaded(model, version, true);
      this.pinned.add(key(model, version));
      return served;
    });
  }

  /** Unpins and unloads a version; RegistryConflict while routes use it, NotFound when it is not loaded. */
  unload(model: string, version: number): Promise<void> {
    return this.exclusive(async () => {
      const routed = this.table.get(model)?.versions.has(version) ?? false;
      if (routed) {
        throw new DomainError(
          ErrorType.RegistryConflict,
          `version ${version} of '${model}' is routed: set routes without it first`,
        );
      }
      const served = this.loaded.get(key(model, version));
      if (!served) throw new DomainError(ErrorType.NotFound, `version ${version} of '${model}' is not loaded here`);
      this.pinned.delete(key(model, version));
      this.loaded.delete(key(model, version));
      await served.retire();
      this.logger.info({ model, version }, 'version unloaded');
    });
  }

  /** Polls every `intervalMs` until `stop`. */
  start(intervalMs: number): void {
    const tick = () => {
      if (this.stopped) return;
      this.reconcile()
        .catch((err: unknown) => this.logger.error({ err }, 'reconcile failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  /** Stops polling and releases every session once the pass in progress ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.exclusive(async () => {
      const all = [...this.loaded.values()];
      this.loaded.clear();
      this.table = new Map();
      await Promise.all(all.map((v) => v.retire()));
    });
  }

  /** Every served or loaded model with its routes, versions and last error. */
  status(): ModelStatus[] {
    const models = new Set([
      ...this.table.keys(),
      ...[...this.loaded.values()].map((v) => v.model),
      ...this.errors.keys(),
    ]);
    return [...models].sort().map((model) => {
      const served = this.table.get(model);
      const loaded = [...this.loaded.values()]
        .filter((v) => v.model === model)
        .sort((a, b) => a.version - b.version)
        .map((v) => ({
          version: v.version,
          sha256: v.sha256,
          loadedAt: v.loadedAt,
          routed: served?.versions.has(v.version) ?? false,
          pinned: this.pinned.has(key(model, v.version)),
        }));
      const error = this.errors.get(model);
      return { model, routes: served?.route ?? null, loaded, ...(error ? { error } : {}) };
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Reads the desired routes: routes rows, then the champion of every model without one. */
  private async desired(): Promise<Map<string, RouteState>> {
    const { registry } = this.source;
    const [routes, models] = [await registry.listRoutes(), await registry.listModels()];
    this.known = new Set(models.map((m) => m.name));
    const desired = new Map<string, RouteState>();
    for (const r of routes) desired.set(r.model, { ...r, source: 'routes' });
    for (const m of models) {
      if (desired.has(m.name) || m.championVersion === null) continue;
      const route: RouteState = {
        model: m.name,
        stable: m.championVersion,
        canary: null,
        canaryWeight: 0,
        generation: 0,
        source: 'champion',
      };
      desired.set(m.name, route);
    }
    return desired;
  }

  private async pass(): Promise<void> {
    const desired = await this.desired();
    const next = new Map<string, ServedModel>();
    for (const [model, route] of desired) {
      const current = this.table.get(model);
      try {
        const versions = new Map<number, ServedVersion>();
        for (const version of routedVersions(route)) versions.set(version, await this.ensureLoaded(model, version));
        next.set(model, { route, versions });
        if (!sameRoute(current?.route, route)) this.logger.info({ ...route }, 'routes applied');
        this.errors.delete(model);
      } catch (err) {
        if (current) next.set(model, current);
        const message = err instanceof Error ? err.message : String(err);
        if (this.errors.get(model) !== message)
          this.logger.error({ model, err }, 'cannot apply routes; previous routes keep serving');
        this.errors.set(model, message);
      }
    }
    this.table = next;
    for (const [k, served] of this.loaded) {
      if (this.pinned.has(k) || next.get(served.model)?.versions.get(served.version) === served) continue;
      this.loaded.delete(k);
      await served.retire();
      this.logger.info({ model: served.model, version: served.version }, 'version unloaded');
    }
    this.onApplied(next);
  }

  /** The loaded version, loading it when missing; a failed load is retried after a growing pause. */
  private async ensureLoaded(model: string, version: number, now = false): Promise<ServedVersion> {
    const k = key(model, version);
    const existing = this.loaded.get(k);
    if (existing) return existing;
    const failure = this.failures.get(k);
    if (failure && !now && Date.now() < failure.until) throw failure.error;
    try {
      const served = await loadServedVersion(this.source, model, version);
      this.loaded.set(k, served);
      this.failures.delete(k);
      this.logger.info({ model, version, sha256: served.sha256, warmedUp: served.warmedUp }, 'version loaded');
      return served;
    } catch (err) {
      const count = (failure?.count ?? 0) + 1;
      this.failures.set(k, { until: Date.now() + Math.min(MAX_BACKOFF_MS, 500 * 2 ** count), count, error: err });
      throw err;
    }
  }
}
