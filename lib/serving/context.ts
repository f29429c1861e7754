/** What every gateway request handler shares: the reconciler, metrics, stats, prediction log and limits. */
import type { Logger } from 'pino';
import type { ModelRegistry } from '../registry/types';
import type { GatewayMetrics } from './metrics';
import type { PredictionLog } from './prediction-log';
import type { Reconciler } from './reconciler';
import type { WindowStats } from './window-stats';

/** The state of one gateway that its handlers read and update. */
export interface GatewayContext {
  registry: ModelRegistry;
  reconciler: Reconciler;
  metrics: GatewayMetrics;
  stats: WindowStats;
  log: PredictionLog;
  logger: Logger;
  token: string;
  replica: string;
  maxBodyBytes: number;
}

/** Response header naming the version that answered. */
export const MODEL_VERSION_HEADER = 'x-model-version';
/** Request and response header with the request id (generated when the client sends none). */
export const REQUEST_ID_HEADER = 'x-request-id';
