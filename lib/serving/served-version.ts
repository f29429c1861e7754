/**
 * One model version loaded for serving: an onnxruntime session opened from the registry's artifact (its sha256
 * checked), the features that `:predict` binds by name, and the outputs that carry its predictions.
 */
import type * as ort from 'onnxruntime-node';
import { ErrorType } from '../../workflows/contracts';
import type { ArtifactStore } from '../artifacts/types';
import { DomainError } from '../errors';
import { metadataFeatures, planBinding } from '../model/binding';
import type { InputBinding } from '../model/binding';
import { loadModel } from '../model/load';
import type { LoadedModel, TensorTypeName } from '../model/load';
import { planOutputs } from '../model/outputs';
import type { OutputPlan } from '../model/outputs';
import type { ModelRegistry } from '../registry/types';
import { RunBatcher } from './batcher';
import type { Feeds } from './batcher';
import type { ModelPreflight } from './preflight';
import { batchable, warmUp } from './warm-up';

/** Artifact kind of a registered ONNX model; the only kind a gateway loads. */
export const ONNX_ARTIFACT_KIND = 'model.onnx';

/** One feature of `:predict` rows and of the prediction log: numeric (float64) or text. */
export interface FeatureSpec {
  name: string;
  numeric: boolean;
}

/** A loaded version; a lease keeps its session open until the request holding it ends, even after `retire`. */
export class ServedVersion {
  /** Tensor outputs a run can fetch (a ZipMap's map output is replaced by its probability tensor). */
  readonly tensorOutputs: string[];
  /** Outputs that carry predictions (label, probabilities, value). */
  readonly predictionOutputs: string[];
  private readonly batcher: RunBatcher;
  private inflight = 0;
  private retired = false;
  private released: Promise<void> | undefined;

  constructor(
    readonly model: string,
    readonly version: number,
    readonly loaded: LoadedModel,
    /** How `:predict` features fill the inputs; undefined when the inputs cannot be bound by feature name. */
    readonly bindings: InputBinding[] | undefined,
    readonly features: FeatureSpec[],
    /** Which outputs hold label, probabilities or value; undefined when none does (then only /v2 infer serves). */
    readonly plan: OutputPlan | undefined,
    readonly loadedAt: string,
    /** False when the warm-up run failed (the model rejects a row of zeros), so its first requests are slower. */
    readonly warmedUp: boolean,
    /** Most rows one batched run joins; 1 when the version runs every request alone. */
    readonly maxBatchRows = 1,
  ) {
    this.batcher = new RunBatcher(loaded.session, maxBatchRows);
    this.tensorOutputs = loaded.outputs.filter((o) => o.isTensor).map((o) => o.name);
    this.predictionOutputs = plan
      ? [plan.label, plan.probabilities, plan.value].filter((o): o is string => o !== undefined)
      : [];
  }

  /** `session.run` calls and the requests they answered; more requests than runs means requests were batched. */
  get runCounts(): { readonly runs: number; readonly requests: number } {
    return this.batcher.counts;
  }

  /** sha256 of the model bytes the session was created from. */
  get sha256(): string {
    return this.loaded.sha256;
  }

  /** Takes a lease that keeps the session open; false once the version is retired. Pair with `unlease`. */
  lease(): boolean {
    if (this.retired) return false;
    this.inflight++;
    return true;
  }

  /** Returns a lease; the last one of a retired version releases its session. */
  unlease(): void {
    this.inflight--;
    // The retiring reconcile pass has returned already; a failed release only leaks this session's memory.
    if (this.retired && this.inflight === 0) this.release().catch(() => undefined);
  }

  /**
   * Runs `rows` rows (under a lease), joined with concurrent requests when the version batches (`sameAs`: see
   * `RunBatcher.run`); ModelInputMismatch when onnxruntime rejects the feeds.
   */
  async run(
    feeds: Feeds,
    fetches: string[],
    rows: number,
    sameAs?: string,
  ): Promise<ort.InferenceSession.OnnxValueMapType> {
    try {
      return await this.batcher.run(feeds, fetches, rows, sameAs);
    } catch (err) {
      const reason = String((err as Error).message ?? err).split('\n')[0];
      throw new DomainError(ErrorType.ModelInputMismatch, `model rejected the input: ${reason}`, { cause: err });
    }
  }

  /** Stops new leases; the session is released once the leases in flight end. */
  async retire(): Promise<void> {
    this.retired = true;
    if (this.inflight === 0) await this.release();
  }

  private release(): Promise<void> {
    this.released ??= this.loaded.session.release();
    return this.released;
  }
}

/** Where versions are loaded from. */
export interface VersionSource {
  registry: ModelRegistry;
  store: ArtifactStore;
  intraOpThreads?: number;
  /** Checks a model in a child process before it is loaded here; without one, models load unchecked. */
  preflight?: ModelPreflight;
  /** Most rows one batched run joins (default 1: no batching). */
  maxBatchRows?: number;
}

const NUMERIC = new Set<TensorTypeName>(['float32', 'float64', 'int64', 'int32', 'bool']);

/** Features of a version: the bound columns, or `<input>_<j>` for a fixed-width matrix input without names. */
function planFeatures(loaded: LoadedModel): { bindings?: InputBinding[]; features: FeatureSpec[] } {
  const names = loaded.inputs.map((i) => i.name);
  const single = loaded.inputs.length === 1 ? loaded.inputs[0] : undefined;
  const width = single?.shape[1];
  let order: string[] | undefined;
  if (single && !metadataFeatures(loaded) && typeof width === 'number' && width > 1) {
    order = Array.from({ length: width }, (_, j) => `${single.name}_${j}`);
  }
  try {
    const bindings = planBinding(loaded, [...names, ...(metadataFeatures(loaded) ?? []), ...(order ?? [])], order);
    const features = bindings.flatMap((b) =>
      b.kind === 'column'
        ? [{ name: b.column, numeric: NUMERIC.has(b.type) }]
        : b.columns.map((name) => ({ name, numeric: true })),
    );
    return { bindings, features };
  } catch {
    return { features: [] };
  }
}

/**
 * Loads a registered version: only an active version whose artifact is a registered ONNX model, read from the
 * artifact store with its sha256 checked before and after onnxruntime reads it, and (with a preflight) only once a
 * child process loaded and ran the same bytes without crashing.
 */
export async function loadServedVersion(source: VersionSource, model: string, version: number): Promise<ServedVersion> {
  const record = await source.registry.getVersion(model, String(version));
  if (record.status !== 'active') {
    throw new DomainError(
      ErrorType.RegistryConflict,
      `version ${version} of '${model}' is archived: serve an active one`,
    );
  }
  if (record.artifact.kind !== ONNX_ARTIFACT_KIND) {
    throw new DomainError(
      ErrorType.ModelInvalid,
      `version ${version} of '${model}' holds a '${record.artifact.kind ?? 'unlabelled'}' artifact, not ${ONNX_ARTIFACT_KIND}: register an ONNX model`,
    );
  }
  const path = await source.store.localPath(record.artifact);
  await source.preflight?.require(
    { path, sha256: record.artifact.sha256, intraOpThreads: source.intraOpThreads },
    `version ${version} of '${model}'`,
  );
  const loaded = await loadModel(path, { intraOpThreads: source.intraOpThreads });
  if (loaded.sha256 !== record.artifact.sha256) {
    await loaded.session.release();
    throw new DomainError(
      ErrorType.ArtifactCorrupt,
      `artifact of version ${version} of '${model}' changed while it was loaded (sha256 ${loaded.sha256}): put it again`,
    );
  }
  let plan: OutputPlan | undefined;
  try {
    plan = planOutputs(loaded);
  } catch {
    plan = undefined;
  }
  const { bindings, features } = planFeatures(loaded);
  const warmedUp = await warmUp(loaded);
  const maxRows = (source.maxBatchRows ?? 1) > 1 && (await batchable(loaded)) ? (source.maxBatchRows as number) : 1;
  const loadedAt = new Date().toISOString();
  return new ServedVersion(model, version, loaded, bindings, features, plan, loadedAt, warmedUp, maxRows);
}
