/**
 * Read-only model endpoints and feedback: OIP v2 health, model metadata and readiness, and
 * `POST /v1/models/{name}:feedback` for labels that arrive after the prediction.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MODEL_VERSION_HEADER } from './context';
import type { GatewayContext } from './context';
import { HttpError, isObject, parseJsonBody, readBody, sendJson } from './http';
import { notServed } from './inference';
import type { FeedbackRecord } from './prediction-log';
import type { ServedVersion } from './served-version';
import { oipTensorMetadata } from './tensors';

/** Most feedback records one request may carry. */
export const MAX_FEEDBACK_RECORDS = 10_000;

/** The version a metadata request describes: the one named, else the stable one. */
function describedVersion(ctx: GatewayContext, model: string, version?: number): ServedVersion {
  const served = ctx.reconciler.served(model);
  const found =
    version === undefined ? served?.versions.get(served.route.stable) : ctx.reconciler.loadedVersion(model, version);
  if (!found) throw notServed(ctx, model, version);
  return found;
}

/** `GET /v2/models/{name}[/versions/{v}]`: versions served, inputs and outputs with datatype and shape. */
export function modelMetadata(ctx: GatewayContext, res: ServerResponse, model: string, version?: number): void {
  const described = describedVersion(ctx, model, version);
  const versions =
    ctx.reconciler
      .status()
      .find((s) => s.model === model)
      ?.loaded.map((l) => String(l.version)) ?? [];
  res.setHeader(MODEL_VERSION_HEADER, String(described.version));
  sendJson(res, 200, {
    name: model,
    versions,
    platform: 'onnxruntime_onnx',
    inputs: described.loaded.inputs.map(oipTensorMetadata),
    outputs: described.loaded.outputs.filter((o) => o.isTensor).map(oipTensorMetadata),
    parameters: {
      version: String(described.version),
      sha256: described.sha256,
      task: described.plan?.task ?? null,
      classes: described.plan?.classes ?? [],
      features: described.features.map((f) => f.name),
      routes: ctx.reconciler.served(model)?.route ?? null,
    },
  });
}

/** `GET /v2/models/{name}[/versions/{v}]/ready`: 200 when the version is loaded, 404 otherwise. */
export function modelReady(ctx: GatewayContext, res: ServerResponse, model: string, version?: number): void {
  const described = describedVersion(ctx, model, version);
  res.setHeader(MODEL_VERSION_HEADER, String(described.version));
  sendJson(res, 200, { name: model, version: String(described.version), ready: true });
}

function feedbackRecord(raw: unknown, index: number): FeedbackRecord {
  const fail = (what: string) => new HttpError(400, `feedback ${index}: ${what}`);
  if (!isObject(raw)) throw fail('must be an object {"requestId": "...", "label": ...}');
  const { requestId, label } = raw;
  const row = raw.row ?? 0;
  if (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > 256) {
    throw fail('requestId must be the id of a prediction (1 to 256 characters)');
  }
  const validLabel =
    typeof label === 'string' || typeof label === 'boolean' || (typeof label === 'number' && Number.isFinite(label));
  if (!validLabel) throw fail('label must be a string, a finite number or a boolean');
  if (!Number.isSafeInteger(row) || (row as number) < 0)
    throw fail('row must be the row index within the request (0 or more)');
  return { requestId, label: label as FeedbackRecord['label'], row: row as number };
}

/** `POST /v1/models/{name}:feedback`: one record or a list, appended to the model's feedback segments. */
export async function recordFeedback(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  model: string,
): Promise<void> {
  if (!ctx.reconciler.knows(model) && !ctx.reconciler.served(model)) throw notServed(ctx, model);
  const body = parseJsonBody(await readBody(req, ctx.maxBodyBytes));
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > MAX_FEEDBACK_RECORDS) {
    throw new HttpError(400, `send 1 to ${MAX_FEEDBACK_RECORDS} feedback records, got ${list.length}`);
  }
  const records = list.map(feedbackRecord);
  ctx.log.appendFeedback(model, records);
  sendJson(res, 200, { model, accepted: records.length });
}
