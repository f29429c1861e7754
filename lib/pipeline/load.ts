/** Reading a pipeline spec file: YAML (`.yaml`, `.yml`) or JSON (`.json`), by its extension. */
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { YAMLError } from 'yaml';
import { ErrorType } from '../../workflows/contracts';
import type { PipelineSpec } from '../../workflows/lifecycle-contracts';
import { DomainError } from '../errors';
import { parsePipelineSpec, specError } from './parse';

/** Largest spec file read: a spec holds references and settings, never data. */
const MAX_SPEC_BYTES = 1024 * 1024;
/** Most YAML aliases expanded: enough for any spec, too few for an alias bomb. */
const MAX_ALIASES = 100;
const EXTENSIONS = ['.yaml', '.yml', '.json'];

function yamlProblem(error: YAMLError, lines: LineCounter): string {
  const { line, col } = lines.linePos(error.pos[0]);
  const message =
    error.code === 'MULTIPLE_DOCS'
      ? 'holds more than one YAML document: keep one spec per file'
      : error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `line ${line}, column ${col}: ${message}`;
}

function parseYaml(path: string, text: string): unknown {
  const lines = new LineCounter();
  // YAML 1.2 core schema: `yes`/`no` stay strings and dates stay strings; duplicate keys are errors.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((error) => yamlProblem(error, lines));
  if (problems.length > 0) throw specError(path, problems);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new DomainError(ErrorType.InvalidInput, `${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (err) {
    throw new DomainError(ErrorType.InvalidInput, `${path}: is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Reads, validates and normalises the pipeline spec at `path`. Relative dataset and contract paths in it
 * resolve against the file's folder, so the same spec runs from any working directory.
 *
 * @throws DomainError InvalidInput when the file is missing, unreadable, not YAML/JSON, or not a valid spec;
 *   the message is one line that starts with `path` and lists every problem.
 */
export async function loadPipelineSpec(path: string): Promise<PipelineSpec> {
  const extension = extname(path).toLowerCase();
  if (!EXTENSIONS.includes(extension)) {
    throw new DomainError(ErrorType.InvalidInput, `${path}: a pipeline spec must be a .yaml, .yml or .json file`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DomainError(ErrorType.InvalidInput, `${path}: cannot read the pipeline spec: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (bytes.length > MAX_SPEC_BYTES) {
    throw new DomainError(
      ErrorType.InvalidInput,
      `${path}: ${bytes.length} bytes is too large for a pipeline spec (at most ${MAX_SPEC_BYTES}): reference data by path`,
    );
  }
  const text = bytes.toString('utf8');
  const value = extension === '.json' ? parseJson(path, text) : parseYaml(path, text);
  return parsePipelineSpec(value, path, dirname(resolve(path)));
}
