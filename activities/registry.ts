/**
 * Registry activities on the `control` queue: register a version, move aliases, read the champion,
 * archive. Each is retry-safe: registration is keyed, alias moves are compare-and-set or idempotent.
 */
import { Context } from '@temporalio/activity';
import { openArtifactStore } from '../lib/artifacts';
import { loadConfig } from '../lib/config';
import { isDomainError } from '../lib/errors';
import { openRegistry } from '../lib/registry';
import { registerModelFile, resolveModelPath } from '../lib/registry/register-model';
import type { RegistryContext } from '../lib/registry/register-model';
import { Alias } from '../lib/registry/types';
import { ErrorType } from '../workflows/contracts';
import type {
  ArchiveModelVersionInput,
  ArchiveModelVersionResult,
  GetChampionInput,
  GetChampionResult,
  RegisterModelVersionInput,
  RegisterModelVersionResult,
  SetModelAliasInput,
  SetModelAliasResult,
} from '../workflows/contracts';
import { withDomainFailures } from './failures';

const opened = new Map<string, RegistryContext>();

/** The registry and artifact store of the state folder (`MLOPS_HOME`), opened once per folder. */
export function registryContext(): RegistryContext {
  const { home } = loadConfig();
  let ctx = opened.get(home);
  if (!ctx) {
    ctx = { registry: openRegistry(home), store: openArtifactStore(home) };
    opened.set(home, ctx);
  }
  return ctx;
}

/** Resolves a `registry:<model>@<ref>` model reference to a checked local file; paths pass through. */
export async function resolveModelReference(reference: string): Promise<string> {
  if (!reference.startsWith('registry:')) return reference;
  return resolveModelPath(registryContext(), reference);
}

/**
 * Registers a model version with its lineage. Without an explicit key, the workflow id and run id plus
 * the activity id make a retried activity land on the same version.
 */
export async function registerModelVersion(input: RegisterModelVersionInput): Promise<RegisterModelVersionResult> {
  return withDomainFailures(async () => {
    const info = Context.current().info;
    const run = { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId };
    const idempotencyKey =
      input.idempotencyKey ?? `${run.workflowId ?? 'standalone'}/${run.runId ?? '-'}/${info.activityId}`;
    const version = await registerModelFile(registryContext(), { ...input, idempotencyKey }, run);
    return {
      model: version.model,
      version: version.version,
      sha256: version.artifact.sha256,
      artifactUri: version.artifact.uri,
    };
  });
}

/** Points an alias at a version (champion → promotion), or removes it when no version is given. */
export async function setModelAlias(input: SetModelAliasInput): Promise<SetModelAliasResult> {
  return withDomainFailures(async () => {
    const { registry } = registryContext();
    if (input.alias === Alias.champion && input.version !== undefined) {
      const change = await registry.promote({ model: input.model, version: input.version, reason: input.reason });
      return { model: input.model, alias: input.alias, version: change.champion };
    }
    if (input.version === undefined) {
      await registry.removeAlias({ model: input.model, alias: input.alias });
      return { model: input.model, alias: input.alias };
    }
    const change = await registry.setAlias({
      model: input.model,
      alias: input.alias,
      version: input.version,
      expectedVersion: input.expectedVersion,
    });
    return { model: input.model, alias: input.alias, version: change.version ?? undefined };
  });
}

/** The current champion of a model, or no version when there is none yet. */
export async function getChampion(input: GetChampionInput): Promise<GetChampionResult> {
  return withDomainFailures(async () => {
    let version;
    try {
      version = await registryContext().registry.getVersion(input.model, Alias.champion);
    } catch (err) {
      if (isDomainError(err) && err.type === ErrorType.NotFound) return { model: input.model };
      throw err;
    }
    return {
      model: input.model,
      version: version.version,
      metrics: version.metrics,
      sha256: version.artifact.sha256,
      artifactUri: version.artifact.uri,
    };
  });
}

/** Archives a version: it leaves service but keeps its lineage and data references. */
export async function archiveModelVersion(input: ArchiveModelVersionInput): Promise<ArchiveModelVersionResult> {
  return withDomainFailures(async () => {
    await registryContext().registry.archive(input);
    return { model: input.model, version: input.version, status: 'archived' };
  });
}
