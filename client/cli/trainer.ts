/** `mlops trainer builtin <mlp|logreg>`: the built-in trainer as a command under the trainer contract. */
import type { Command } from 'commander';
import { runBuiltinTrainer } from '../../lib/training/builtin-trainer';
import { TrainerEnv } from '../../lib/training/contract';
import { CliError } from './errors';

/** Registers `trainer`. */
export function registerTrainerCommand(program: Command): void {
  const trainer = program
    .command('trainer')
    .description('training commands run by the GPU worker (docs/trainer-contract.md)');
  trainer
    .command('builtin')
    .description('train the built-in model from MLOPS_* environment variables; JSON lines on stdout')
    .argument('<model>', 'mlp or logreg')
    .action(async (model: string) => {
      if (model !== 'mlp' && model !== 'logreg')
        throw new CliError(`unknown built-in model '${model}': use mlp or logreg`);
      let preempted = false;
      process.on('SIGTERM', () => (preempted = true));
      // Under a worker (which sets MLOPS_STOP_ON_STDIN_CLOSE and holds our stdin open), a closed pipe means
      // the worker died: stop at once and write nothing more, since a retry now owns the checkpoint folder.
      const watchStdin = process.env[TrainerEnv.stopOnStdinClose] === '1';
      if (watchStdin) {
        process.stdin.on('end', () => process.exit(70));
        process.stdin.on('error', () => process.exit(70));
        process.stdin.resume();
      }
      const code = await runBuiltinTrainer({
        model,
        env: process.env,
        emit: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
        preempted: () => preempted,
      });
      if (watchStdin) process.stdin.pause();
      process.exitCode = code;
    });
}
