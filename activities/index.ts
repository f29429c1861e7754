/** Every activity, grouped by the task queue whose worker registers it. */
import { computeDrift, profileDataset, validateDataset } from './data';
import { checkDataset } from './dataset';
import { describeGpuHost } from './gpu';
import { trainModel } from './training';

export { checkDataset, computeDrift, describeGpuHost, profileDataset, trainModel, validateDataset };

/** Activities served by the `data` worker. */
export const dataActivities = { checkDataset, validateDataset, profileDataset, computeDrift };
/** Activities served by the `gpu` worker. */
export const gpuActivities = { describeGpuHost, trainModel };
/** Activities served by the `control` worker (registry and rollout steps arrive with their issues). */
export const controlActivities = {};
