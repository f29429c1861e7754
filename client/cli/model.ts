/** `mlops model evaluate`: scores an ONNX model on a dataset in this process, optionally against gates. */
import type { Command } from 'commander';
import { evaluateModel } from '../../lib/model/evaluate';
import type { EvaluationReport } from '../../lib/model/evaluate';
import { decideGates, gatePolicyProblems } from '../../workflows/policy/gates';
import type { GateDecision, GatePolicy } from '../../workflows/policy/gates';
import { CliError, ExitCode } from './errors';
import { readJsonFile, writeJsonFile } from './files';
import { printJson, printTable, progress } from './output';

interface EvaluateOptions {
  data: string;
  label: string;
  task?: string;
  features?: string;
  batchSize: string;
  gates?: string;
  champion?: string;
  reportOut?: string;
  json?: boolean;
}

/** Loads and checks a gate policy file. */
export async function loadGatePolicy(path: string): Promise<GatePolicy> {
  const policy = await readJsonFile(path, 'gate policy');
  const problems = gatePolicyProblems(policy);
  if (problems.length > 0) throw new CliError(`gate policy ${path}: ${problems.join('; ')}`);
  return policy as GatePolicy;
}

const fmt = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : Number(v.toPrecision(6)).toString());

function printReport(report: EvaluationReport, gates?: GateDecision): void {
  const rows: [string, string | number][] = [
    ['model', `${report.model.path} (sha256 ${report.model.sha256.slice(0, 12)})`],
    ['dataset', `${report.dataset.path} (${report.rows} rows)`],
    ['task', report.task],
    ...Object.entries(report.metrics).map(([k, v]): [string, string] => [k, fmt(v)]),
    ['latency p50/p99 (ms, 1 row)', `${fmt(report.latencyMs.p50)} / ${fmt(report.latencyMs.p99)}`],
    ['robustness', fmt(report.robustness.unchanged)],
  ];
  printTable(rows);
  if (report.confusionMatrix && report.classes) {
    process.stdout.write(`confusion matrix (rows: true ${report.classes.join(', ')})\n`);
    for (const row of report.confusionMatrix) process.stdout.write(`  ${row.join('\t')}\n`);
  }
  if (gates) {
    process.stdout.write(gates.passed ? 'gates: passed\n' : 'gates: FAILED\n');
    for (const reason of gates.reasons) process.stdout.write(`  ${reason}\n`);
  }
}

/** Registers `mlops model evaluate`. */
export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('work with one ONNX model file');
  model
    .command('evaluate')
    .description('score an ONNX model on a dataset (exit 1 when --gates fail)')
    .argument('<model>', 'ONNX model file')
    .requiredOption('--data <dataset>', 'CSV, Arrow IPC or Parquet file with the label column')
    .requiredOption('--label <column>', 'label column')
    .option('--task <task>', 'classification or regression (default: from the model outputs)')
    .option('--features <names>', 'comma-separated feature order for a model with one matrix input')
    .option('--batch-size <n>', 'rows per onnxruntime run', '8192')
    .option('--gates <file>', 'gate policy (JSON) to apply')
    .option('--champion <file>', "the champion's evaluation report (JSON) for the gates' regression rules")
    .option('--report-out <file>', 'write the full report (JSON)')
    .option('--json', 'print one JSON object')
    .action(async (file: string, opts: EvaluateOptions) => {
      if (opts.task && opts.task !== 'classification' && opts.task !== 'regression') {
        throw new CliError(`--task must be classification or regression, got '${opts.task}'`);
      }
      const batchSize = Number(opts.batchSize);
      if (!Number.isSafeInteger(batchSize) || batchSize < 1)
        throw new CliError('--batch-size must be a whole number >= 1');
      const policy = opts.gates ? await loadGatePolicy(opts.gates) : undefined;
      const champion = opts.champion
        ? ((await readJsonFile(opts.champion, 'champion report')) as { metrics?: Record<string, number> })
        : undefined;
      let lastShown = Date.now();
      const report = await evaluateModel({
        model: file,
        dataset: opts.data,
        label: opts.label,
        task: opts.task as EvaluationReport['task'] | undefined,
        features: opts.features?.split(',').map((f) => f.trim()),
        batchSize,
        onProgress: (rows) => {
          if (!opts.json && Date.now() - lastShown > 2000) {
            lastShown = Date.now();
            progress(`evaluating: ${rows} rows scored`);
          }
        },
      });
      if (opts.reportOut) await writeJsonFile(opts.reportOut, report);
      const gates = policy
        ? decideGates({
            policy,
            candidate: {
              metrics: report.metrics,
              latencyMsP99: report.latencyMs.p99,
              robustness: report.robustness.unchanged,
            },
            champion: champion ? { metrics: champion.metrics ?? {} } : undefined,
          })
        : undefined;
      if (opts.json) printJson({ ...report, gates });
      else printReport(report, gates);
      if (gates && !gates.passed) process.exitCode = ExitCode.checkFailed;
    });
}
