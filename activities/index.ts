/** Every activity, grouped by the task queue whose worker registers it. */
import { computeDrift, profileDataset, validateDataset } from './data';
import { checkDataset } from './dataset';
import { evaluateModel } from './evaluation';
import { describeGpuHost } from './gpu';
import { checkModelDrift } from './monitoring';
import { archiveModelVersion, getChampion, registerModelVersion, setModelAlias } from './registry';
import { probeGateway, readRolloutStats, setModelRoutes } from './rollout';
import { trainModel } from './training';

export {
  archiveModelVersion,
  checkDataset,
  checkModelDrift,
  computeDrift,
  describeGpuHost,
  evaluateModel,
  getChampion,
  probeGateway,
  profileDataset,
  readRolloutStats,
  registerModelVersion,
  setModelAlias,
  setModelRoutes,
  trainModel,
  validateDataset,
};

/** Activities served by the `data` worker. */
export const dataActivities = {
  checkDataset,
  validateDataset,
  profileDataset,
  computeDrift,
  evaluateModel,
  checkModelDrift,
};
/** Activities served by the `gpu` worker. */
export const gpuActivities = { describeGpuHost, trainModel };
/** Activities served by the `control` worker: the registry and the rollout's steps. */
export const controlActivities = {
  registerModelVersion,
  setModelAlias,
  getChampion,
  archiveModelVersion,
  setModelRoutes,
  readRolloutStats,
  probeGateway,
};
