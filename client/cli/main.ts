/** The `mlops` command line: `mlops <noun> <verb>`, `--json` for machine output, exit codes 0/1/2. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCodecServerCommand } from './codec-server';
import { registerDataCommands } from './data';
import { describeError, ExitCode } from './errors';
import { registerModelCommands } from './model';
import { registerModelsCommands } from './models';
import { registerPipelineCommands } from './pipeline';
import { registerReportCommands } from './report';
import { registerServeCommand } from './serve';
import { registerRolloutCommands } from './rollout';
import { registerStackCommands } from './stack';
import { registerTrainCommand } from './train';
import { registerTrainerCommand } from './trainer';
import { registerTuneCommand } from './tune';
import { registerWorkerCommand } from './worker';

/** The package version, shown by `mlops --version`. */
export const VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

/** Builds the command tree. */
export function buildProgram(): Command {
  const program = new Command('mlops')
    .description('Durable MLOps lifecycle engine on Temporal')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerStackCommands(program);
  registerWorkerCommand(program);
  registerDataCommands(program);
  registerTrainCommand(program);
  registerTrainerCommand(program);
  registerTuneCommand(program);
  registerModelCommands(program);
  registerModelsCommands(program);
  registerReportCommands(program);
  registerPipelineCommands(program);
  registerServeCommand(program);
  registerRolloutCommands(program);
  registerCodecServerCommand(program);
  for (const command of program.commands) command.exitOverride();
  for (const command of program.commands.flatMap((c) => c.commands)) command.exitOverride();
  return program;
}

/** Runs the CLI and resolves with its exit code; errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A check that ran and failed sets process.exitCode (1) and still prints its report.
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse error is bad usage (commander already printed it).
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const { message, exitCode } = describeError(err);
    process.stderr.write(`mlops: ${message}\n`);
    return exitCode;
  }
}
