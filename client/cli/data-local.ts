/** `mlops data validate|profile|infer-contract|drift|generate`: data-plane commands that run in this process. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadContract } from '../../lib/data/contract';
import { computeDrift, loadProfile } from '../../lib/data/drift';
import { parseDriftPolicy } from '../../lib/data/drift-policy';
import { generateTable, parseDriftSpec } from '../../lib/data/generate';
import { inferContract } from '../../lib/data/infer-contract';
import { scanDataset } from '../../lib/data/scan';
import { writeTable } from '../../lib/data/write';
import { CliError, ExitCode } from './errors';
import { writeJsonFile } from './files';
import { printJson, printTable, progress } from './output';
import { byteProgress } from './progress';

function wholeNumber(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new CliError(`${name} must be a whole number >= 0, got '${raw}'`);
  return value;
}

function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  return Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(digits) : value.toExponential(2);
}

/** Registers the data-plane verbs on the `data` command. */
export function registerLocalDataCommands(data: Command): void {
  data
    .command('validate')
    .description('validate a dataset against a data contract (exit 0 valid, 1 violations, 2 unreadable input)')
    .argument('<dataset>', 'CSV, Arrow IPC or Parquet file')
    .requiredOption('--contract <file>', 'data contract (JSON)')
    .option('--profile-out <file>', 'also write the profile computed in the same pass')
    .option('--json', 'print one JSON object')
    .action(async (dataset: string, opts: { contract: string; profileOut?: string; json?: boolean }) => {
      const contract = await loadContract(opts.contract);
      const scan = await scanDataset(dataset, { contract, onProgress: byteProgress('validating') });
      const report = scan.validation!;
      if (opts.profileOut) await writeJsonFile(opts.profileOut, scan.profile);
      if (opts.json) printJson({ ...report, sha256: scan.dataset.sha256 });
      else {
        process.stdout.write(`${report.valid ? 'valid' : 'INVALID'}: ${scan.dataset.path} (${report.rows} rows)\n`);
        for (const f of report.failures) {
          process.stdout.write(
            `  ${f.column ?? '(rows)'}  ${f.check}  ${f.count}  rows ${f.sampleRows.join(',')}  ${f.message}\n`,
          );
        }
      }
      if (!report.valid) process.exitCode = ExitCode.checkFailed;
    });

  data
    .command('profile')
    .description('profile a dataset: the reference that drift is measured against')
    .argument('<dataset>', 'CSV, Arrow IPC or Parquet file')
    .requiredOption('--out <file>', 'where to write the profile JSON')
    .option('--sample-size <n>', 'values kept per numeric column', '100000')
    .option('--seed <n>', 'seed of the samples', '42')
    .option('--json', 'print one JSON object (the summary)')
    .action(async (dataset: string, opts: { out: string; sampleSize: string; seed: string; json?: boolean }) => {
      const scan = await scanDataset(dataset, {
        sampleSize: wholeNumber('--sample-size', opts.sampleSize),
        seed: wholeNumber('--seed', opts.seed),
        onProgress: byteProgress('profiling'),
      });
      await writeJsonFile(opts.out, scan.profile);
      const summary = { profile: resolve(opts.out), ...scan.dataset };
      if (opts.json) printJson(summary);
      else {
        printTable([
          ['profile', summary.profile],
          ['rows', summary.rows],
          ['columns', summary.columns.join(', ')],
          ['sha256', summary.sha256],
        ]);
      }
    });

  data
    .command('infer-contract')
    .description('write a starting data contract from a dataset (or a profile JSON)')
    .argument('<dataset>', 'dataset, or a profile written by `mlops data profile`')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (dataset: string, opts: { out?: string }) => {
      const profile = dataset.toLowerCase().endsWith('.json')
        ? await loadProfile(dataset)
        : (await scanDataset(dataset)).profile;
      const contract = { $schema: './data-contract.schema.json', ...inferContract(profile) };
      if (opts.out) {
        await writeJsonFile(opts.out, contract);
        progress(`wrote ${resolve(opts.out)}`);
      } else printJson(contract);
    });

  data
    .command('drift')
    .description('compare a dataset with a reference profile or dataset (exit 1 when drift is found)')
    .requiredOption('--reference <file>', 'profile JSON or dataset')
    .requiredOption('--current <file>', 'dataset to compare')
    .option('--policy <file>', 'drift policy JSON (thresholds, columns)')
    .option('--report-out <file>', 'also write the full report JSON')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: { reference: string; current: string; policy?: string; reportOut?: string; json?: boolean }) => {
        let policyJson: unknown;
        if (opts.policy) {
          try {
            policyJson = JSON.parse(await readFile(opts.policy, 'utf8'));
          } catch (err) {
            throw new CliError(`cannot read drift policy ${opts.policy}: ${(err as Error).message}`);
          }
        }
        const report = await computeDrift({
          reference: opts.reference,
          current: opts.current,
          policy: parseDriftPolicy(policyJson, opts.policy),
          onProgress: byteProgress('reading current'),
        });
        if (opts.reportOut) await writeJsonFile(opts.reportOut, report);
        if (opts.json) printJson(report);
        else {
          process.stdout.write(`drifted: ${report.drifted.length ? report.drifted.join(', ') : 'none'}\n`);
          for (const [name, c] of Object.entries(report.columns)) {
            const test = c.ks
              ? `ks ${fmt(c.ks.statistic)} p ${fmt(c.ks.pValue)}`
              : `chi2 p ${fmt(c.chiSquare?.pValue)}`;
            process.stdout.write(
              `  ${c.drifted ? '!' : ' '} ${name}  psi ${fmt(c.psi)}  js ${fmt(c.jsDistance)}  ${test}\n`,
            );
          }
        }
        if (report.drifted.length > 0) process.exitCode = ExitCode.checkFailed;
      },
    );

  data
    .command('generate')
    .description('write a seeded synthetic dataset (features, nulls, imbalanced label) for tests and demos')
    .requiredOption('--rows <n>', 'number of rows')
    .requiredOption('--out <file>', 'output file: .csv, .arrow or .parquet')
    .option('--seed <n>', 'random seed', '1')
    .option('--drift <spec>', 'shift features, e.g. f0=shift:1.5,f3=scale:2,segment=new:0.1')
    .action(async (opts: { rows: string; out: string; seed: string; drift?: string }) => {
      const table = generateTable({
        rows: wholeNumber('--rows', opts.rows),
        seed: wholeNumber('--seed', opts.seed),
        drift: opts.drift ? parseDriftSpec(opts.drift) : undefined,
      });
      const { bytes } = await writeTable(table, opts.out);
      printTable([
        ['out', resolve(opts.out)],
        ['rows', table.numRows],
        ['bytes', bytes],
      ]);
    });
}
