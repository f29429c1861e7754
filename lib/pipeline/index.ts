/** Pipeline specs: the YAML or JSON file that describes one model's whole lifecycle (docs/pipeline-spec.md). */
export type { PipelineSpec } from '../../workflows/lifecycle-contracts';
export { CRON_MACROS, cronProblems } from './cron';
export { PART_KEYS, SPEC_KEYS } from './keys';
export { loadPipelineSpec } from './load';
export { parsePipelineSpec } from './parse';
export { isCredentialKey, isSecretReference } from './secrets';
export type { SecretReference } from './secrets';
