/** The ONNX serving gateway (`mlops serve`) and the readers of its prediction log and feedback. */
export { startGateway } from './gateway';
export type { Gateway, StartGatewayOptions } from './gateway';
export { readFeedback, readPredictionLog } from './log-reader';
export type { ReadFeedbackInput, ReadPredictionLogInput } from './log-reader';
export { feedbackDir, predictionDir, PREDICTION_META_COLUMNS } from './prediction-log';
export { chooseVersion, routingBucket, ROUTING_KEY_HEADER } from './routing';
export type { RouteState } from './routing';
export { VALUE_EDGES } from './buckets';
export { DEFAULT_MAX_BODY_BYTES, gatewaySettings, tlsFiles } from './settings';
export type { GatewaySettings, TlsFiles } from './settings';
export { ModelPreflight } from './preflight';
export type { PreflightVerdict } from './preflight';
export { TOKEN_FILE } from './token';
export type { ModelStats, VersionStats } from './window-stats';
