/**
 * Validation of a pipeline spec: every problem is collected, then thrown as one InvalidInput DomainError
 * whose message is one line, `<source>: <problem>; <problem>`. A valid spec comes back normalised: relative
 * dataset and contract paths resolved against the spec's folder (so the spec runs from anywhere), absent
 * fields absent (no `undefined` entries), and no part shared with the input. Defaults are not filled in:
 * the workflows apply them, so a spec records only what its author chose.
 */
import { resolve } from 'node:path';
import { ErrorType } from '../../workflows/contracts';
import type { PipelineSpec } from '../../workflows/lifecycle-contracts';
import { DomainError } from '../errors';
import { NAME_PATTERN } from '../registry/names';
import { cloneJson, compact, isRecord, jsonProblems, numberIn, onlyKnownKeys, Problems, record, text } from './checks';
import { PART_KEYS, SPEC_KEYS } from './keys';
import { parseGates, parseMonitoring, parseRetraining, parseRollout } from './operations';
import { parseSearch } from './search';
import { commandSecretProblems, secretProblems } from './secrets';

/** Problems shown in one message; the rest are counted, so that a message stays one readable line. */
const MAX_SHOWN = 20;
/** Largest seed: trainers hand it to 32-bit generators (numpy, the built-in trainer's mulberry32). */
const MAX_SEED = 2 ** 32 - 1;
/** A URI with a scheme (`s3://…`, `file:///…`) is passed on as it is; anything else is a local path. */
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** The one-line message for a list of problems with a spec from `source` (a file path, or a caller's name). */
export function specError(source: string, problems: readonly string[]): DomainError {
  const shown = problems.length > 0 ? problems.slice(0, MAX_SHOWN) : ['is not a valid pipeline spec'];
  const more = problems.length > MAX_SHOWN ? `; and ${problems.length - MAX_SHOWN} more problems` : '';
  // Keys and YAML messages may hold line breaks; the message must stay one line.
  const line = `${source}: ${shown.join('; ')}${more}`.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return new DomainError(ErrorType.InvalidInput, line);
}

/** A dataset or contract reference: a URI as it is, a local path resolved against the spec's folder. */
function location(problems: Problems, path: string, value: unknown, baseDir: string, required = false) {
  const ref = text(problems, path, value, required);
  if (ref === undefined) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(ref)) {
    // A NUL byte makes every file-system call throw a TypeError; a line break hides the rest of the path.
    problems.add(path, 'holds a control character (NUL, line break, tab): give a plain path or URI');
    return undefined;
  }
  if (URI_SCHEME.test(ref)) return ref;
  if (ref.startsWith('~')) {
    problems.add(path, 'starts with ~, which is not expanded: give an absolute path or one relative to the spec file');
    return undefined;
  }
  return resolve(baseDir, ref);
}

function parseDatasets(problems: Problems, value: unknown, baseDir: string): PipelineSpec['datasets'] | undefined {
  const datasets = record(problems, 'datasets', value, true);
  if (!datasets) return undefined;
  onlyKnownKeys(problems, 'datasets', datasets, PART_KEYS.datasets);
  const train = location(problems, 'datasets.train', datasets.train, baseDir, true);
  const valid = location(problems, 'datasets.valid', datasets.valid, baseDir, true);
  const holdout = location(problems, 'datasets.holdout', datasets.holdout, baseDir);
  return train && valid ? compact({ train, valid, holdout }) : undefined;
}

/** True for the trainer commands the GPU worker runs: `builtin:mlp`, `builtin:logreg`, `cmd:<command line>`. */
function isTrainerCommand(command: string): boolean {
  if (command === 'builtin:mlp' || command === 'builtin:logreg') return true;
  return command.startsWith('cmd:') && command.slice(4).trim() !== '';
}

function parseTrainer(problems: Problems, value: unknown): PipelineSpec['trainer'] | undefined {
  const trainer = record(problems, 'trainer', value, true);
  if (!trainer) return undefined;
  onlyKnownKeys(problems, 'trainer', trainer, PART_KEYS.trainer);
  const command = text(problems, 'trainer.command', trainer.command, true);
  if (command !== undefined && !isTrainerCommand(command)) {
    problems.add('trainer.command', 'must be builtin:mlp, builtin:logreg or cmd:<command line>');
  } else if (command !== undefined) {
    commandSecretProblems(problems, 'trainer.command', command);
  }
  const params = record(problems, 'trainer.params', trainer.params);
  const before = problems.list.length;
  if (params) jsonProblems(problems, 'trainer.params', params);
  const paramsOk = params !== undefined && problems.list.length === before;
  const seed = numberIn(problems, 'trainer.seed', trainer.seed, { integer: true, min: 0, max: MAX_SEED });
  const heartbeatTimeoutSeconds = numberIn(
    problems,
    'trainer.heartbeatTimeoutSeconds',
    trainer.heartbeatTimeoutSeconds,
    {
      integer: true,
      min: 1,
      max: 3600,
    },
  );
  if (command === undefined) return undefined;
  return compact({ command, params: paramsOk ? cloneJson(params) : undefined, seed, heartbeatTimeoutSeconds });
}

function collect(problems: Problems, value: unknown, baseDir: string): PipelineSpec | undefined {
  if (!isRecord(value)) {
    problems.add('', 'a pipeline spec must be an object (a YAML mapping or a JSON object)');
    return undefined;
  }
  onlyKnownKeys(problems, '', value, [...SPEC_KEYS, '$schema']);
  text(problems, '$schema', value.$schema);
  secretProblems(problems, value);
  const model = text(problems, 'model', value.model, true);
  if (model !== undefined && !NAME_PATTERN.test(model)) {
    problems.add('model', "must start with a letter or digit, then use letters, digits, '.', '_' or '-' (128 at most)");
  }
  const datasets = parseDatasets(problems, value.datasets, baseDir);
  const label = text(problems, 'label', value.label, true);
  const contract = location(problems, 'contract', value.contract, baseDir);
  const trainer = parseTrainer(problems, value.trainer);
  const search = parseSearch(problems, value.search);
  const gates = parseGates(problems, value.gates);
  const rollout = parseRollout(problems, value.rollout);
  const monitoring = parseMonitoring(problems, value.monitoring);
  const retraining = parseRetraining(problems, value.retraining);
  if (problems.list.length > 0 || !model || !datasets || !label || !trainer) return undefined;
  return compact({ model, datasets, label, contract, trainer, search, gates, rollout, monitoring, retraining });
}

/**
 * Validates a pipeline spec (already read from YAML or JSON) and returns it normalised.
 *
 * @param value - The parsed document.
 * @param source - What the message names as the spec's origin, usually its file path.
 * @param baseDir - Folder that relative dataset and contract paths resolve against: the spec file's folder
 *   (the current directory when absent).
 * @throws DomainError InvalidInput listing every problem on one line, e.g.
 *   `spec.yaml: label is required; retraining.maxPerDay must be a whole number >= 1`.
 */
export function parsePipelineSpec(value: unknown, source: string, baseDir: string = process.cwd()): PipelineSpec {
  const problems = new Problems();
  const spec = collect(problems, value, resolve(baseDir));
  if (!spec || problems.list.length > 0) throw specError(source, problems.list);
  return spec;
}
