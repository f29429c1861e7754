/** The gateway's HTTP routes: method and path pattern to handler, with 404 and 405 for the rest. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NAME_PATTERN } from '../registry/names';
import { listServedModels, loadVersion, modelStats, putRoutes, requireToken, unloadVersion } from './admin';
import type { GatewayContext } from './context';
import { HttpError, sendJson } from './http';
import { notServed, serveInference } from './inference';
import { modelMetadata, modelReady, recordFeedback } from './model-endpoints';

type Handler = (
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  query: URLSearchParams,
) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const M = '([^/]+)';
const V = '(\\d+)';
const version = (text: string | undefined) => (text === undefined ? undefined : Number(text));

/** Every route; a model name is the first parameter where there is one. */
const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/v2\/health\/live$/, handler: (_c, _q, res) => sendJson(res, 200, { live: true }) },
  {
    method: 'GET',
    pattern: /^\/v2\/health\/ready$/,
    handler: (ctx, _q, res) => sendJson(res, 200, { ready: true, replica: ctx.replica }),
  },
  {
    method: 'GET',
    pattern: /^\/v2$/,
    handler: (_c, _q, res) => sendJson(res, 200, { name: 'mlops-gateway', extensions: [] }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v2/models/${M}(?:/versions/${V})?$`),
    handler: (ctx, _q, res, p) => modelMetadata(ctx, res, p[0], version(p[1])),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v2/models/${M}(?:/versions/${V})?/ready$`),
    handler: (ctx, _q, res, p) => modelReady(ctx, res, p[0], version(p[1])),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v2/models/${M}(?:/versions/${V})?/infer$`),
    handler: (ctx, req, res, p) =>
      serveInference(ctx, req, res, { model: p[0], version: version(p[1]), endpoint: 'v2_infer' }),
  },
  {
    method: 'POST',
    pattern: /^\/v1\/models\/([^/:]+):predict$/,
    handler: (ctx, req, res, p) => serveInference(ctx, req, res, { model: p[0], endpoint: 'v1_predict' }),
  },
  {
    method: 'POST',
    pattern: /^\/v1\/models\/([^/:]+):feedback$/,
    handler: (ctx, req, res, p) => recordFeedback(ctx, req, res, p[0]),
  },
  {
    method: 'GET',
    pattern: /^\/metrics$/,
    handler: async (ctx, _q, res) => {
      const { contentType, text } = await ctx.metrics.render();
      res.setHeader('content-type', contentType);
      res.end(text);
    },
  },
  { method: 'GET', pattern: /^\/admin\/models$/, handler: (ctx, _q, res) => listServedModels(ctx, res) },
  {
    method: 'PUT',
    pattern: new RegExp(`^/admin/models/${M}/routes$`),
    handler: (ctx, req, res, p) => putRoutes(ctx, req, res, p[0]),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/admin/models/${M}/versions/${M}/load$`),
    handler: (ctx, _q, res, p) => loadVersion(ctx, res, p[0], p[1]),
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/admin/models/${M}/versions/${M}$`),
    handler: (ctx, _q, res, p) => unloadVersion(ctx, res, p[0], p[1]),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/admin/models/${M}/stats$`),
    handler: (ctx, _q, res, p, q) => modelStats(ctx, res, p[0], q),
  },
];

const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~:@!$&'()*+,;=%-][A-Za-z0-9._~:@!$&'()*+,;=%-]*)+$/;

/** Path and query of a request target; the WHATWG parser runs only where the target needs normalising. */
function splitTarget(target: string): { path: string; query: string } {
  // A plain absolute path (segments that are not empty, start with no dot and hold no character the parser would
  // encode, no `%2e` that it would read as a dot, no fragment) is its own pathname; other targets go through URL, so
  // that both forms route alike.
  const q = target.indexOf('?');
  const raw = q < 0 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(raw) && !/%2e/i.test(raw) && !target.includes('#')) {
    return { path: raw, query: q < 0 ? '' : target.slice(q + 1) };
  }
  const url = new URL(target, 'http://gateway');
  return { path: url.pathname, query: url.search.slice(1) };
}

/** Finds and runs the handler of a request; throws HttpError for unknown paths, methods and model names. */
export async function dispatch(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { path, query } = splitTarget(req.url ?? '/');
  if (path.startsWith('/admin/') || path === '/admin') requireToken(ctx, req, res);
  let found: { route: Route; match: RegExpExecArray } | undefined;
  for (const route of ROUTES) {
    if (route.method !== req.method) continue;
    const match = route.pattern.exec(path);
    if (match) {
      found = { route, match };
      break;
    }
  }
  if (!found) {
    const methods = ROUTES.filter((r) => r.pattern.test(path)).map((r) => r.method);
    if (methods.length === 0)
      throw new HttpError(
        404,
        `no route ${req.method} ${path}: see /v2/models/{name}/infer, /v1/models/{name}:predict`,
      );
    res.setHeader('allow', [...new Set(methods)].join(', '));
    throw new HttpError(405, `${req.method} is not allowed on ${path}`);
  }
  let params: string[];
  try {
    params = found.match.slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p))) as string[];
  } catch {
    throw new HttpError(400, `path ${path} is not valid percent-encoding`);
  }
  if (params[0] !== undefined && !NAME_PATTERN.test(params[0])) throw notServed(ctx, params[0]);
  await found.route.handler(ctx, req, res, params, new URLSearchParams(query));
}
