/**
 * The admin API under `/admin/` (bearer token): loaded versions and routes, setting routes (written to the registry
 * as desired state, then reconciled here at once), pinning and unloading versions, and windowed stats.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from './context';
import { HttpError, isObject, parseJsonBody, readBody, sendJson } from './http';
import { notServed } from './inference';
import { bearerMatches } from './token';

/** 401 unless the request carries the gateway's bearer token. */
export function requireToken(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  if (!bearerMatches(req.headers.authorization, ctx.token)) {
    res.setHeader('www-authenticate', 'Bearer realm="mlops-gateway"');
    throw new HttpError(
      401,
      'admin API needs Authorization: Bearer <token> (MLOPS_GATEWAY_TOKEN or <MLOPS_HOME>/gateway.token)',
    );
  }
}

/** `GET /admin/models`: every served or loaded model with its routes, generation and versions. */
export function listServedModels(ctx: GatewayContext, res: ServerResponse): void {
  sendJson(res, 200, { replica: ctx.replica, models: ctx.reconciler.status() });
}

/** `PUT /admin/models/{name}/routes`: writes the routes to the registry, then reconciles this replica. */
export async function putRoutes(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  model: string,
): Promise<void> {
  const body = parseJsonBody(await readBody(req, ctx.maxBodyBytes));
  if (!isObject(body))
    throw new HttpError(400, 'routes must be a JSON object {"stable": 1, "canary": 2, "canaryWeight": 0.1}');
  const canary = body.canary ?? null;
  const change = await ctx.registry.setRoutes({
    model,
    stable: body.stable as number,
    canary: canary as number | null,
    canaryWeight: (body.canaryWeight ?? (canary === null ? 0 : undefined)) as number,
    reason: body.reason as string | undefined,
    expectedGeneration: body.expectedGeneration as number | undefined,
  });
  await ctx.reconciler.reconcile();
  const status = ctx.reconciler.status().find((s) => s.model === model);
  const applied = status?.routes?.source === 'routes' && status.routes.generation === change.generation;
  if (!applied) {
    const reason = status?.error ?? 'the replica did not apply them';
    sendJson(res, 500, {
      error: `routes were recorded but this replica cannot serve them: ${reason}`,
      routes: change,
      status,
    });
    return;
  }
  sendJson(res, 200, { routes: change, status });
}

function versionOf(text: string): number {
  const version = Number(text);
  if (!Number.isSafeInteger(version) || version < 1)
    throw new HttpError(400, `version '${text}' is not a version number`);
  return version;
}

/** `POST /admin/models/{name}/versions/{v}/load`: loads and pins a version. */
export async function loadVersion(
  ctx: GatewayContext,
  res: ServerResponse,
  model: string,
  versionText: string,
): Promise<void> {
  const served = await ctx.reconciler.load(model, versionOf(versionText));
  sendJson(res, 200, {
    model,
    version: served.version,
    sha256: served.sha256,
    loadedAt: served.loadedAt,
    pinned: true,
  });
}

/** `DELETE /admin/models/{name}/versions/{v}`: unpins and unloads a version that no route uses. */
export async function unloadVersion(
  ctx: GatewayContext,
  res: ServerResponse,
  model: string,
  versionText: string,
): Promise<void> {
  const version = versionOf(versionText);
  await ctx.reconciler.unload(model, version);
  sendJson(res, 200, { model, version, unloaded: true });
}

/** `GET /admin/models/{name}/stats?since=<epoch ms>`: per-version figures of this replica over the window. */
export function modelStats(ctx: GatewayContext, res: ServerResponse, model: string, query: URLSearchParams): void {
  const raw = query.get('since');
  const since = raw === null || raw === '' ? undefined : Number(raw);
  if (since !== undefined && !Number.isFinite(since))
    throw new HttpError(400, `since '${raw}' is not a time in epoch milliseconds`);
  if (!ctx.reconciler.knows(model) && !ctx.reconciler.served(model)) throw notServed(ctx, model);
  sendJson(res, 200, ctx.stats.read(model, since));
}
