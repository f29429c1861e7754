/** The `evaluateModel` activity on the `data` queue: scores an ONNX model on a dataset, optionally gated. */
import { Context } from '@temporalio/activity';
import { evaluateModel as evaluate } from '../lib/model/evaluate';
import { decideGates } from '../workflows/policy/gates';
import type { EvaluateModelInput, EvaluateModelResult } from '../workflows/contracts';
import { withDomainFailures } from './failures';
import { writeJsonOutput } from './output-files';
import { resolveModelReference } from './registry';

/**
 * Evaluates a model file or registry version on a dataset; heartbeats the rows scored. A malformed model,
 * inputs that do not match the data, or a missing label fail non-retryably with their ErrorType.
 */
export async function evaluateModel(input: EvaluateModelInput): Promise<EvaluateModelResult> {
  return withDomainFailures(async () => {
    const ctx = Context.current();
    const started = Date.now();
    let last = 0;
    ctx.heartbeat({ rows: 0 });
    const report = await evaluate({
      model: await resolveModelReference(input.model),
      dataset: input.dataset,
      label: input.label,
      task: input.task,
      features: input.features,
      batchSize: input.batchSize,
      onProgress: (rows) => {
        if (Date.now() - last >= 1000) {
          last = Date.now();
          ctx.heartbeat({ rows });
        }
      },
    });
    const reportPath = input.reportOut ? await writeJsonOutput(input.reportOut, report, 2) : undefined;
    const result: EvaluateModelResult = {
      task: report.task,
      rows: report.rows,
      metrics: report.metrics,
      classes: report.classes,
      latencyMs: report.latencyMs,
      robustness: report.robustness.unchanged,
      modelSha256: report.model.sha256,
      datasetSha256: report.dataset.sha256,
      reportPath,
      seconds: (Date.now() - started) / 1000,
    };
    if (input.gates) {
      result.gates = decideGates({
        policy: input.gates,
        candidate: { metrics: report.metrics, latencyMsP99: report.latencyMs.p99, robustness: result.robustness },
        champion: input.championMetrics ? { metrics: input.championMetrics } : undefined,
      });
    }
    return result;
  });
}
