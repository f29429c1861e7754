/** `datasetCheckWorkflow`: reads a dataset on the data queue and records its size and version. */
import { proxyActivities, upsertSearchAttributes, log } from '@temporalio/workflow';
import type * as activities from '../activities';
import { dataScan } from './activity-options';
import { MlModelKey, MlStageKey, Stage } from './contracts';
import type { DatasetCheckInput, DatasetCheckResult } from './contracts';

/** Checks one dataset: row and column counts and its sha256, in the experimentation stage. */
export async function datasetCheckWorkflow(input: DatasetCheckInput): Promise<DatasetCheckResult> {
  const { checkDataset } = proxyActivities<typeof activities>({
    ...dataScan,
    taskQueue: input.queues?.data ?? dataScan.taskQueue,
  });
  const updates = [{ key: MlStageKey, value: Stage.experimentation }];
  upsertSearchAttributes(input.model ? [...updates, { key: MlModelKey, value: input.model }] : updates);
  const summary = await checkDataset({ dataset: input.dataset });
  log.info('dataset checked', { rows: summary.rows, columns: summary.columns, sha256: summary.sha256 });
  return { ...summary, stage: Stage.experimentation };
}
