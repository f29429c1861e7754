/**
 * The traversal corpus against the `mlops` command line: every name argument of `mlops models …` and the
 * model name inside a spec given to `mlops pipeline validate`. Each is refused with exit code 2 and a one-line
 * message; the real binary is run for a few, the whole corpus in-process through the same `main`.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../client/cli/main';
import { NAME_CORPUS, escapes, makeSandbox, snapshotOutside } from './traversal-corpus';
import type { OutsideSnapshot, Sandbox } from './traversal-corpus';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, 'test', 'fixtures', 'evaluation', 'binary', 'model.onnx');

let sandbox: Sandbox;
let before: OutsideSnapshot;
let savedHome: string | undefined;
const outputs: string[] = [];

beforeAll(async () => {
  sandbox = await makeSandbox('home');
  savedHome = process.env.MLOPS_HOME;
  process.env.MLOPS_HOME = sandbox.root;
  expect(await cli(['models', 'register', 'iris', '--model', MODEL, '--json'])).toBe(0);
  expect(await cli(['models', 'promote', 'iris@1'])).toBe(0);
  before = await snapshotOutside(sandbox);
});

afterAll(async () => {
  if (savedHome === undefined) delete process.env.MLOPS_HOME;
  else process.env.MLOPS_HOME = savedHome;
  await sandbox.cleanup();
});

/** Runs `mlops <args>` in-process; keeps what it printed in `outputs`; resolves with the exit code. */
async function cli(args: string[]): Promise<number> {
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const printed: string[] = [];
  const capture = (chunk: unknown): boolean => {
    printed.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    return await main(['node', 'mlops', ...args]);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    outputs.push(printed.join(''));
  }
}

/** The corpus entries for which `args(entry)` does not exit with code 2. */
async function unrefused(args: (entry: string) => string[], corpus: readonly string[] = NAME_CORPUS) {
  const wrong: string[] = [];
  for (const entry of corpus) {
    const code = await cli(args(entry));
    if (code !== 2) wrong.push(`${args(entry).join(' ').slice(0, 100)} -> exit ${code}`);
  }
  return wrong;
}

// Commander reads a leading '-' as an option, so those entries are passed after `--`.
const arg = (entry: string): string[] => (entry.startsWith('-') ? ['--', entry] : [entry]);

describe('mlops CLI against the traversal corpus', () => {
  it('refuses every corpus entry as the name of `models register`, storing nothing', async () => {
    expect(await unrefused((name) => ['models', 'register', '--model', MODEL, ...arg(name)])).toEqual([]);
    expect(await unrefused((key) => ['models', 'register', 'iris', '--model', MODEL, '--tag', `${key}=x`])).toEqual([]);
    expect(await cli(['models', 'list', '--json'])).toBe(0);
    expect(JSON.parse(outputs[outputs.length - 1]).models.map((m: { name: string }) => m.name)).toEqual(['iris']);
  });

  it('refuses every corpus entry as a model name or a ref of show, promote, archive, lineage and rollback', async () => {
    const refs = NAME_CORPUS.filter((entry) => !entry.includes('@'));
    const wrong = [
      ...(await unrefused((name) => ['models', 'show', ...arg(`${name}@1`)], refs)),
      ...(await unrefused(
        (ref) => ['models', 'show', `iris@${ref}`],
        refs.filter((r) => r !== ''),
      )),
      ...(await unrefused((name) => ['models', 'promote', ...arg(`${name}@1`)], refs)),
      ...(await unrefused((name) => ['models', 'archive', ...arg(`${name}@1`)], refs)),
      ...(await unrefused((name) => ['models', 'lineage', ...arg(`${name}@1`)], refs)),
      ...(await unrefused(
        (ref) => ['models', 'lineage', `iris@${ref}`],
        refs.filter((r) => r !== ''),
      )),
      ...(await unrefused((name) => ['models', 'rollback', ...arg(name)], refs)),
    ];
    expect(wrong).toEqual([]);
  });

  it('refuses every corpus entry as the model of a spec given to `pipeline validate`', async () => {
    const spec = (model: string) => ({
      model,
      datasets: { train: 'train.csv', valid: 'valid.csv' },
      label: 'y',
      trainer: { command: 'builtin:mlp' },
    });
    const file = (i: number) => join(sandbox.root, `spec-${i}.json`);
    await writeFile(join(sandbox.root, 'valid.json'), JSON.stringify(spec('churn')));
    expect(await cli(['pipeline', 'validate', join(sandbox.root, 'valid.json')])).toBe(0);
    for (const [i, model] of NAME_CORPUS.entries()) await writeFile(file(i), JSON.stringify(spec(model)));
    const wrong = await unrefused((model) => ['pipeline', 'validate', file(NAME_CORPUS.indexOf(model))]);
    expect(wrong).toEqual([]);
  });

  it('exits 2 from the real binary with one line on stderr', () => {
    for (const args of [
      ['models', 'register', '../../outside/empty/x', '--model', MODEL],
      ['models', 'show', '%2e%2e%2f%2e%2e%2fx@1'],
      ['models', 'promote', 'iris@..'],
    ]) {
      const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'mlops.js'), ...args], {
        env: { ...process.env, MLOPS_HOME: sandbox.root },
        encoding: 'utf8',
      });
      expect({ args, status: run.status, lines: run.stderr.trim().split('\n').length }).toEqual({
        args,
        status: 2,
        lines: 1,
      });
      outputs.push(run.stdout, run.stderr);
    }
  });

  it('leaves everything outside MLOPS_HOME untouched and never shows the secret', async () => {
    expect(await escapes(sandbox, before, outputs)).toEqual([]);
  });
});
