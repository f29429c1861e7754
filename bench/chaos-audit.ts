/**
 * What bench:chaos checks after each run: the lifecycle's designed end state, and duplicates in the registry
 * and in Temporal's records (versions, lifecycles, trainings), with the training results' lost steps.
 */
import type { Client } from '@temporalio/client';
import type { ModelRegistry } from '../lib/registry/types';
import { lifecycleWorkflowId } from '../workflows/contracts';
import type { LifecycleStatus, TrainingResult } from '../workflows/contracts';

/** One lifecycle of a run, as started and as it ended. */
export interface LifecycleRecord {
  /** First run id of the execution (the lifecycle's training ids are built from it). */
  runId: string;
  /** The version the lifecycle should end with as champion. */
  expectedChampion: number;
  status?: LifecycleStatus;
  error?: string;
}

/** The audit of one run. */
export interface RunAudit {
  /** The designed end state was reached: every lifecycle promoted its version, registry and routes agree. */
  ok: boolean;
  problems: string[];
  versions: number;
  duplicateVersions: number;
  lifecycleExecutions: number;
  trainings: number;
  duplicateRetrainings: number;
  lostSteps: number;
  /** Attempts of each training's trainModel activity (1: never retried). */
  trainingAttempts: number[];
  /** Activities of the run's lifecycles and trainings that were retried, with the failure that caused it. */
  retries: Retry[];
  /** Workflow ids of the run's trainings, one per lifecycle. */
  trainingIds: string[];
  /** Trainings of the run that reused another lifecycle's training workflow id. */
  trainingIdCollisions: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Counts executions matching `query`, waiting a little for visibility to catch up with `atLeast`. */
async function countExecutions(client: Client, query: string, atLeast: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < 20; i++) {
    count = (await client.workflow.count(query)).count;
    if (count >= atLeast) break;
    await sleep(250);
  }
  await sleep(500); // a late duplicate would show up now
  return Math.max(count, (await client.workflow.count(query)).count);
}

/** An activity that ran more than once, with the failure of its previous attempt. */
export interface Retry {
  type: string;
  attempt: number;
  why: string;
}

/** What a workflow's history says: retried activities and the child workflows it started. */
async function readHistory(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<{ retries: Retry[]; children: { type: string; workflowId: string; runId: string }[] }> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const types = new Map<string, string>();
  const retries: Retry[] = [];
  const children: { type: string; workflowId: string; runId: string }[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    // A retried activity's started event (written when it closes) holds its last attempt and the failure before.
    const started = event.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      const type = types.get(String(started.scheduledEventId)) ?? '?';
      retries.push({ type, attempt: started.attempt ?? 1, why: started.lastFailure?.message ?? 'no failure recorded' });
    }
    const child = event.childWorkflowExecutionStartedEventAttributes;
    if (child?.workflowExecution?.workflowId && child.workflowExecution.runId)
      children.push({
        type: child.workflowType?.name ?? '?',
        workflowId: child.workflowExecution.workflowId,
        runId: child.workflowExecution.runId,
      });
  }
  return { retries, children };
}

/** Audits the run of `model` whose lifecycles are `lifecycles` (oldest first). */
export async function auditRun(
  client: Client,
  registry: ModelRegistry,
  model: string,
  lifecycles: LifecycleRecord[],
): Promise<RunAudit> {
  const problems: string[] = [];
  const expected = lifecycles.length;
  const finalChampion = lifecycles[lifecycles.length - 1].expectedChampion;
  for (const [i, lc] of lifecycles.entries()) {
    const name = `lifecycle ${i + 1}`;
    if (lc.error) problems.push(`${name}: ${lc.error}`);
    else if (lc.status?.lastOutcome?.outcome !== 'promoted')
      problems.push(`${name} ended ${lc.status?.lastOutcome?.outcome}: ${lc.status?.lastOutcome?.reason ?? ''}`);
    else if (lc.status.champion !== lc.expectedChampion)
      problems.push(`${name} champion ${lc.status.champion}, expected ${lc.expectedChampion}`);
    if (lc.status && lc.status.kpis.attempts !== 1) problems.push(`${name} made ${lc.status.kpis.attempts} attempts`);
  }

  const versions = await registry.listVersions(model, { includeArchived: true }).catch(() => []);
  const byRun = new Set(versions.map((v) => `${v.lineage.workflowId}/${v.lineage.runId}`));
  const byKey = new Set(versions.map((v) => v.idempotencyKey));
  const duplicateVersions = Math.max(
    0,
    versions.length - expected,
    versions.length - byRun.size,
    versions.length - byKey.size,
  );
  if (versions.length !== expected) problems.push(`${versions.length} versions registered, expected ${expected}`);
  if (byRun.size !== versions.length) problems.push(`two versions from one lifecycle run`);
  const champion = versions.find((v) => v.aliases.includes('champion'));
  if (champion?.version !== finalChampion) problems.push(`registry champion ${champion?.version}`);
  if (versions.some((v) => v.aliases.includes('canary'))) problems.push('a canary alias is left');
  const routes = await registry.getRoutes(model);
  if (routes?.stable !== finalChampion || routes.canaryWeight !== 0 || routes.canary !== null)
    problems.push(`routes ${JSON.stringify(routes && { stable: routes.stable, canary: routes.canary })}`);

  const lifecycleExecutions = await countExecutions(client, `WorkflowId = '${lifecycleWorkflowId(model)}'`, expected);
  const trainings = await countExecutions(
    client,
    `WorkflowType = 'trainingWorkflow' AND MlModel = '${model}'`,
    expected,
  );
  const extraAttempts = lifecycles.reduce((n, lc) => n + Math.max(0, (lc.status?.kpis.attempts ?? 1) - 1), 0);
  const duplicateRetrainings =
    Math.max(0, trainings - expected) + Math.max(0, lifecycleExecutions - expected) + extraAttempts;
  if (trainings !== expected) problems.push(`${trainings} trainings, expected ${expected}`);
  if (lifecycleExecutions !== expected) problems.push(`${lifecycleExecutions} lifecycle executions`);

  let lostSteps = 0;
  const trainingAttempts: number[] = [];
  const retries: Retry[] = [];
  const trainingIds: string[] = [];
  for (const [i, lc] of lifecycles.entries()) {
    try {
      const lifecycle = await readHistory(client, lifecycleWorkflowId(model), lc.runId);
      retries.push(...lifecycle.retries);
      const children = lifecycle.children.filter((c) => c.type === 'trainingWorkflow');
      if (children.length !== 1) problems.push(`lifecycle ${i + 1} started ${children.length} trainings`);
      for (const child of children) {
        trainingIds.push(child.workflowId);
        const trained = (await client.workflow.getHandle(child.workflowId, child.runId).result()) as TrainingResult;
        lostSteps += trained.lostSteps;
        const training = await readHistory(client, child.workflowId, child.runId);
        trainingAttempts.push(Math.max(1, ...training.retries.map((r) => r.attempt)));
        retries.push(...training.retries);
      }
    } catch (err) {
      problems.push(`lifecycle ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // Two lifecycles of one model whose trainings got the same workflow id (and so one run folder): see docs.
  const trainingIdCollisions = trainingIds.length - new Set(trainingIds).size;
  return {
    ok: problems.length === 0,
    problems,
    versions: versions.length,
    duplicateVersions,
    lifecycleExecutions,
    trainings,
    duplicateRetrainings,
    lostSteps,
    trainingAttempts,
    retries,
    trainingIds,
    trainingIdCollisions,
  };
}
