/** Every workflow type the control worker registers. */
export { datasetCheckWorkflow } from './dataset-check';
export { trainingWorkflow } from './training';
export { tuningWorkflow } from './tuning';
export { canaryRolloutWorkflow } from './rollout';
export { driftMonitorWorkflow } from './monitoring';
export { mlLifecycleWorkflow } from './lifecycle';
export { retrainTriggerWorkflow } from './retrain-trigger';
