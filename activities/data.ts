/** Data-plane activities on the `data` queue: validation, profiling and drift over lib/data. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { loadContract } from '../lib/data/contract';
import { computeDrift as computeDriftReport } from '../lib/data/drift';
import { parseDriftPolicy } from '../lib/data/drift-policy';
import { scanDataset } from '../lib/data/scan';
import { ErrorType } from '../workflows/contracts';
import type {
  ComputeDriftInput,
  ComputeDriftResult,
  ProfileDatasetInput,
  ProfileDatasetResult,
  ValidateDatasetInput,
  ValidateDatasetResult,
} from '../workflows/contracts';
import { withDomainFailures } from './failures';
import { writeJsonOutput } from './output-files';

/** A progress callback that heartbeats at most once a second with the bytes read. */
function heartbeater(): (bytesRead: number, totalBytes: number) => void {
  const ctx = Context.current();
  let last = 0;
  ctx.heartbeat({ bytesRead: 0 });
  return (bytesRead, totalBytes) => {
    const now = Date.now();
    if (now - last >= 1000) {
      last = now;
      ctx.heartbeat({ bytesRead, totalBytes });
    }
  };
}

/** Reports a cancelled read as the cancellation itself rather than the stream's AbortError. */
function rethrowCancellation(err: unknown): never {
  const signal = Context.current().cancellationSignal;
  throw signal.aborted ? (signal.reason ?? err) : err;
}

/**
 * Validates a dataset against its contract and profiles it in the same pass. A violation fails
 * non-retryably with type ContractViolation, its details holding the report.
 */
export async function validateDataset(input: ValidateDatasetInput): Promise<ValidateDatasetResult> {
  return withDomainFailures(async () => {
    const contract = await loadContract(input.contract);
    const scan = await scanDataset(input.dataset, {
      contract,
      signal: Context.current().cancellationSignal,
      onProgress: heartbeater(),
    }).catch(rethrowCancellation);
    const report = scan.validation!;
    const profilePath = input.profileOut ? await writeJsonOutput(input.profileOut, scan.profile) : undefined;
    const result: ValidateDatasetResult = {
      valid: report.valid,
      rows: report.rows,
      sha256: scan.dataset.sha256,
      failures: report.failures,
      profilePath,
    };
    if (!report.valid) {
      const checks = report.failures.map((f) => `${f.column ?? 'rows'}:${f.check}`).join(', ');
      throw ApplicationFailure.create({
        message: `${scan.dataset.path} breaks its contract: ${report.failures.length} failed checks (${checks})`,
        type: ErrorType.ContractViolation,
        nonRetryable: true,
        details: [result],
      });
    }
    return result;
  });
}

/** Profiles a dataset and writes the profile JSON (the drift reference). */
export async function profileDataset(input: ProfileDatasetInput): Promise<ProfileDatasetResult> {
  return withDomainFailures(async () => {
    const scan = await scanDataset(input.dataset, {
      sampleSize: input.sampleSize,
      seed: input.seed,
      signal: Context.current().cancellationSignal,
      onProgress: heartbeater(),
    }).catch(rethrowCancellation);
    const profilePath = await writeJsonOutput(input.out, scan.profile);
    return {
      profilePath,
      sha256: scan.dataset.sha256,
      rows: scan.dataset.rows,
      columns: scan.dataset.columns,
    };
  });
}

/** Computes drift of the current dataset against a reference profile or dataset. */
export async function computeDrift(input: ComputeDriftInput): Promise<ComputeDriftResult> {
  return withDomainFailures(async () => {
    const report = await computeDriftReport({
      reference: input.reference,
      current: input.current,
      policy: parseDriftPolicy(input.policy),
      signal: Context.current().cancellationSignal,
      onProgress: heartbeater(),
    }).catch(rethrowCancellation);
    const reportPath = input.reportOut ? await writeJsonOutput(input.reportOut, report) : undefined;
    const columns: ComputeDriftResult['columns'] = {};
    for (const [name, c] of Object.entries(report.columns)) {
      columns[name] = {
        psi: c.psi,
        jsDistance: c.jsDistance,
        ksStatistic: c.ks?.statistic,
        ksPValue: c.ks?.pValue,
        chiSquarePValue: c.chiSquare?.pValue,
        drifted: c.drifted,
      };
    }
    return {
      drifted: report.drifted,
      columns,
      referenceSha256: report.reference.sha256,
      currentSha256: report.current.sha256,
      reportPath,
    };
  });
}
