/**
 * Answering inference: `POST /v2/models/{name}[/versions/{v}]/infer` (Open Inference Protocol v2) and
 * `POST /v1/models/{name}:predict` (rows). The version is chosen first (routes, or the one named in the path),
 * so every answer, errors included, names it in `x-model-version` and counts in its metrics.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MODEL_VERSION_HEADER, REQUEST_ID_HEADER } from './context';
import type { GatewayContext } from './context';
import { HttpError, parseJsonBody, readBody, sendError, sendJson } from './http';
import { decodeInstances } from './instances';
import { distributionSample, predictionRow, readPredictions } from './predictions';
import type { Predictions } from './predictions';
import { ROUTING_KEY_HEADER } from './routing';
import type { ServedVersion } from './served-version';
import { decodeInferRequest, encodeOutputs } from './tensors';
import type { DecodedRequest } from './tensors';

/** Which inference endpoint a request came to. */
export interface InferenceTarget {
  model: string;
  /** The version named in the path; routing chooses when undefined. */
  version?: number;
  endpoint: 'v2_infer' | 'v1_predict';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The 404 (503 while its routes fail to load) for a model or version this replica does not serve. */
export function notServed(ctx: GatewayContext, model: string, version?: number): HttpError {
  if (version !== undefined) {
    return new HttpError(
      404,
      `version ${version} of model '${model}' is not loaded on this gateway: route it or POST /admin/models/${model}/versions/${version}/load`,
    );
  }
  const error = ctx.reconciler.errorOf(model);
  if (error !== undefined && !ctx.reconciler.served(model)) {
    return new HttpError(503, `model '${model}' cannot be served yet: ${error}`);
  }
  if (ctx.reconciler.knows(model)) {
    return new HttpError(404, `model '${model}' has no routes and no champion: set its routes or promote a version`);
  }
  return new HttpError(404, `model '${model}' is not registered: check the name or register it`);
}

/** The version that answers, leased so that an unload waits for this request. */
function leaseVersion(ctx: GatewayContext, target: InferenceTarget, routingKey?: string): ServedVersion {
  for (let attempt = 0; attempt < 3; attempt++) {
    const served =
      target.version === undefined
        ? ctx.reconciler.pick(target.model, routingKey)
        : ctx.reconciler.loadedVersion(target.model, target.version);
    if (!served) throw notServed(ctx, target.model, target.version);
    if (served.lease()) return served;
  }
  throw new HttpError(503, `model '${target.model}' is being swapped: retry the request`);
}

/** Runs one inference request end to end: choose, decode, run, answer, then log and count. */
export async function serveInference(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: InferenceTarget,
): Promise<void> {
  const started = process.hrtime.bigint();
  const served = leaseVersion(ctx, target, header(req, ROUTING_KEY_HEADER));
  res.setHeader(MODEL_VERSION_HEADER, String(served.version));
  let status = 200;
  let predictions: Predictions | undefined;
  try {
    const body = parseJsonBody(await readBody(req, ctx.maxBodyBytes));
    const v2 = target.endpoint === 'v2_infer';
    if (!v2 && !served.plan) {
      throw new HttpError(
        400,
        `model '${served.model}' version ${served.version} has no label, probability or value output: use /v2/models/${served.model}/infer`,
      );
    }
    let decoded: DecodedRequest;
    let bodyId: string | undefined;
    let wanted: string[] = [];
    if (v2) {
      const request = decodeInferRequest(served, body);
      decoded = request;
      bodyId = request.id;
      wanted = request.outputs ?? served.tensorOutputs;
    } else {
      decoded = decodeInstances(served, body);
    }
    const requestId = bodyId ?? header(req, REQUEST_ID_HEADER) ?? randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const fetches = v2 ? [...new Set([...wanted, ...served.predictionOutputs])] : served.predictionOutputs;
    const results = await served.run(decoded.feeds, fetches, decoded.rows, v2 ? undefined : decoded.sameAs);
    predictions = served.plan ? readPredictions(served.plan, results, decoded.rows) : undefined;
    const modelVersion = String(served.version);
    if (v2) {
      const outputs = encodeOutputs(served, results, wanted);
      sendJson(res, 200, { model_name: served.model, model_version: modelVersion, id: requestId, outputs });
    } else {
      const p = predictions as Predictions;
      const rows = Array.from({ length: decoded.rows }, (_, r) => predictionRow(p, r));
      sendJson(res, 200, { predictions: rows, model_version: modelVersion, id: requestId });
    }
    ctx.log.append({ version: served, requestId, rows: decoded.rows, features: decoded.features, predictions });
  } catch (err) {
    status = sendError(res, err);
    if (status >= 500) ctx.logger.error({ err, model: served.model, version: served.version }, 'inference failed');
  } finally {
    served.unlease();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const sample = predictions && status < 400 ? distributionSample(predictions) : {};
    ctx.metrics.observe({
      model: served.model,
      version: served.version,
      endpoint: target.endpoint,
      status,
      seconds,
      ...sample,
    });
    ctx.stats.record(served.model, served.version, { latencyMs: seconds * 1000, error: status >= 400, ...sample });
  }
}
