/**
 * The workflow bundle of bench:lifecycle's worker: the project's workflows and the bare baseline side by side,
 * so both sides run on the very same workers.
 */
export * from '../workflows';
export { bareLifecycleWorkflow, bareTrainingWorkflow } from './lifecycle-bare';
