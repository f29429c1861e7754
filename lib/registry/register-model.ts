/**
 * Registering a model file: the model is loaded by onnxruntime first (a malformed model registers
 * nothing), then stored content-addressed with its contract, profile and evaluation report, then recorded
 * as a version with its lineage. Idempotent: the same key gives the same version.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ArtifactRef, ArtifactStore } from '../artifacts/types';
import { printable } from '../artifacts/types';
import { DomainError } from '../errors';
import { loadModel } from '../model/load';
import { checkName } from './names';
import { ErrorType } from '../../workflows/contracts';
import type { RegisterModelVersionInput } from '../../workflows/model-contracts';
import type { Lineage, ModelRegistry, ModelVersion } from './types';

/** Prefix of a model reference that names a registered version instead of a file. */
const REGISTRY_PREFIX = 'registry:';

/** Where a registration stores and records. */
export interface RegistryContext {
  registry: ModelRegistry;
  store: ArtifactStore;
}

async function digestOf(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Registers a model file as the next version (or returns the version registered under the same key). */
export async function registerModelFile(
  ctx: RegistryContext,
  input: RegisterModelVersionInput & { idempotencyKey: string },
  run?: { workflowId?: string; runId?: string },
): Promise<ModelVersion> {
  // The name first: a bad name stores nothing.
  checkName('model name', input.model);
  const loaded = await loadModel(input.modelPath);
  await loaded.session.release();
  const artifact = await ctx.store.put(input.modelPath, { kind: 'model.onnx' });
  const stored = async (path: string | undefined, kind: string): Promise<ArtifactRef | undefined> =>
    path ? ctx.store.put(path, { kind }) : undefined;
  const profile = await stored(input.profilePath, 'profile');
  const evaluation = await stored(input.evaluationReportPath, 'evaluation-report');
  const lineage: Lineage = {
    datasets: input.datasets ?? [],
    contractSha256: input.contractPath ? (await stored(input.contractPath, 'contract'))?.sha256 : undefined,
    profileSha256: profile?.sha256,
    profile,
    evaluation,
    trainer: input.trainer,
    codeVersion: input.codeVersion,
    workflowId: run?.workflowId,
    runId: run?.runId,
    parentVersion: input.parentVersion,
    timings: input.timings,
    training: input.training,
  };
  for (const key of Object.keys(lineage) as (keyof Lineage)[]) if (lineage[key] === undefined) delete lineage[key];
  return ctx.registry.registerVersion({
    model: input.model,
    idempotencyKey: input.idempotencyKey,
    artifact,
    metrics: input.metrics,
    tags: input.tags,
    lineage,
    description: input.description,
  });
}

/** A default idempotency key for a registration outside a workflow: the model file's digest. */
export async function fileIdempotencyKey(path: string): Promise<string> {
  return `file:${await digestOf(path)}`;
}

/**
 * Resolves `registry:<model>@<version|alias>` to the stored model's local path (sha256 checked); any other
 * string is returned as a path. A string that starts with `registry:` but is not of that form is InvalidInput,
 * never a file name.
 */
export async function resolveModelPath(ctx: RegistryContext, reference: string): Promise<string> {
  if (!reference.startsWith(REGISTRY_PREFIX)) return reference;
  const match = /^registry:([^@]+)@([^@]+)$/.exec(reference);
  if (!match) {
    throw new DomainError(
      ErrorType.InvalidInput,
      `'${printable(reference)}' is not a registry reference: use registry:<model>@<version|alias>, e.g. registry:churn@champion`,
    );
  }
  const version = await ctx.registry.getVersion(match[1], match[2]);
  return ctx.store.localPath(version.artifact);
}
