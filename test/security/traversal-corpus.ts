/**
 * The path-traversal corpus that every entry point of a path or a name is tested against, and a sandbox that
 * proves nothing escaped: a temporary folder holding the allowed root, and beside it a sentinel file whose
 * contents must never leak and a folder that must stay empty. Symlinks inside the root point out of it.
 *
 * ```
 * <dir>/root/                     the allowed root (a store, MLOPS_HOME)
 * <dir>/root/links/to-file        -> <dir>/outside/secret.txt
 * <dir>/root/links/to-dir         -> <dir>/outside
 * <dir>/root/links/to-empty       -> <dir>/outside/empty
 * <dir>/root/links/dangling       -> <dir>/outside/nowhere
 * <dir>/root/links/loop           -> itself
 * <dir>/outside/secret.txt        the sentinel: random contents that no output may contain
 * <dir>/outside/empty/            must stay empty
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { DomainError } from '../../lib/errors';

/** A temporary folder with an allowed root and the sentinels outside it. */
export interface Sandbox {
  /** The temporary folder holding everything. */
  dir: string;
  /** The allowed root: nothing may be read or written outside it through a name or a confined path. */
  root: string;
  /** The folder beside the root that holds the sentinels. */
  outside: string;
  /** The sentinel file. */
  secretFile: string;
  /** The sentinel's contents: a random token no output may contain. */
  secret: string;
  /** A folder outside the root that must stay empty. */
  emptyDir: string;
  /** Removes the sandbox. */
  cleanup: () => Promise<void>;
}

/** Creates a sandbox; `rootName` is the root's folder name inside it. */
export async function makeSandbox(rootName = 'root'): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'traversal-'));
  const root = join(dir, rootName);
  const outside = join(dir, 'outside');
  const secretFile = join(outside, 'secret.txt');
  const secret = `SENTINEL-${randomBytes(16).toString('hex')}`;
  const emptyDir = join(outside, 'empty');
  await mkdir(join(root, 'links'), { recursive: true });
  await mkdir(emptyDir, { recursive: true });
  await writeFile(secretFile, secret);
  await symlink(secretFile, join(root, 'links', 'to-file'));
  await symlink(outside, join(root, 'links', 'to-dir'));
  await symlink(emptyDir, join(root, 'links', 'to-empty'));
  await symlink(join(outside, 'nowhere'), join(root, 'links', 'dangling'));
  await symlink(join(root, 'links', 'loop'), join(root, 'links', 'loop'));
  return { dir, root, outside, secretFile, secret, emptyDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Names that every name-taking entry point (model names, aliases, tag keys, artifact kinds, URL parameters)
 * must refuse: traversal in every spelling, separators, absolute paths, NUL and control bytes, over-long
 * names and Unicode look-alikes of `.` and `/`.
 */
export const NAME_CORPUS: readonly string[] = [
  '',
  '.',
  '..',
  '...',
  '../x',
  '../../x',
  '../../../../../../etc/passwd',
  '..\\x',
  '..\\..\\x',
  'a/../../x',
  'a\\..\\..\\x',
  './../x',
  'x/y',
  'x\\y',
  '%2e%2e%2fx',
  '%2E%2E%2Fx',
  '..%2fx',
  '..%5cx',
  '%2e%2e%5cx',
  '%252e%252e%252fx',
  '%25252e%25252e%25252fx',
  '..%c0%afx',
  '..%u2216x',
  '/etc/passwd',
  '/x',
  '\\x',
  'C:\\Windows\\win.ini',
  'C:x',
  '\\\\server\\share\\x',
  '//server/share/x',
  'file:///etc/passwd',
  '~/x',
  '~root',
  'sha256:../../x',
  'x\0',
  'x\0/../../y',
  'x%00',
  'x\n',
  'x\r\n../y',
  ' ../x',
  '../x ',
  '-x',
  'a'.repeat(129),
  'a'.repeat(4096),
  `${'a/'.repeat(2048)}x`,
  '\u2024\u2024/x',
  '\uff0e\uff0e\uff0fx',
  '..\u2215x',
  '..\u2044x',
  '\u0430dmin',
  'x\u200b',
  '\u202e..x',
  "x' OR '1'='1",
  'x; DROP TABLE versions; --',
];

/**
 * Relative paths that every confined-path entry point (artifact store, MLOPS_HOME outputs) must refuse: the
 * traversal entries of NAME_CORPUS plus the symlinks of the sandbox and paths that reach the sentinels.
 */
export function pathCorpus(sandbox: Sandbox): string[] {
  const back = relative(sandbox.root, sandbox.secretFile);
  return [
    '..',
    '../x',
    '../../x',
    '..\\x',
    '..\\..\\x',
    'a/../../x',
    'a\\..\\..\\x',
    './../x',
    'a/./../../x',
    '%2e%2e%2fx',
    '%2E%2E%2Fx',
    '..%2fx',
    '..%5cx',
    '%2e%2e%5cx',
    '%252e%252e%252fx',
    '%25252e%25252e%25252fx',
    'x\0',
    'x\0/../../y',
    'x%00',
    back,
    back.replace(/\//g, '\\'),
    encodeURIComponent(back),
    encodeURIComponent(encodeURIComponent(back)),
    `${relative(sandbox.root, sandbox.emptyDir)}/planted.json`,
    'links/to-file',
    'links/to-dir/secret.txt',
    'links/to-dir/planted.json',
    'links/to-empty/planted.json',
    'links/dangling',
    'links/dangling/planted.json',
    'links/loop',
    'links/loop/planted.json',
  ];
}

/** Absolute paths outside the root that a confined-path entry point must refuse (they all lie in the sandbox). */
export function absoluteOutside(sandbox: Sandbox): string[] {
  return [
    sandbox.secretFile,
    join(sandbox.emptyDir, 'planted.json'),
    `${sandbox.root}/../outside/secret.txt`,
    `${sandbox.root}/links/to-dir/secret.txt`,
    `${sandbox.root}-sibling/planted.json`,
  ];
}

/** True when `path` is `root` or lies below it (lexically). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** Every file and folder under `dir`, as sorted paths relative to it; symlinks are listed, not followed. */
async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: false }).catch(() => [] as string[]);
  return entries.map(String).sort();
}

/** What the sandbox holds outside the root, taken before the attacks to compare with after. */
export interface OutsideSnapshot {
  dirEntries: string[];
  outsideEntries: string[];
}

/** Takes the snapshot that `escapes` compares against. */
export async function snapshotOutside(sandbox: Sandbox): Promise<OutsideSnapshot> {
  const dirEntries = (await readdir(sandbox.dir)).sort();
  return { dirEntries, outsideEntries: await listing(sandbox.outside) };
}

/**
 * Every sign of an escape: a sentinel changed or gone, a file planted in the empty folder or anywhere outside
 * the root, and any of `outputs` (error messages, response bodies, CLI output) holding the sentinel's secret.
 */
export async function escapes(sandbox: Sandbox, before: OutsideSnapshot, outputs: string[] = []): Promise<string[]> {
  const found: string[] = [];
  const secret = await readFile(sandbox.secretFile, 'utf8').catch(() => undefined);
  if (secret !== sandbox.secret) found.push(`the sentinel ${sandbox.secretFile} was changed or removed`);
  const planted = await listing(sandbox.emptyDir);
  if (planted.length > 0) found.push(`files appeared in ${sandbox.emptyDir}: ${planted.join(', ')}`);
  const after = await snapshotOutside(sandbox);
  const added = (a: string[], b: string[]) => a.filter((entry) => !b.includes(entry));
  for (const entry of added(after.dirEntries, before.dirEntries)) found.push(`created beside the root: ${entry}`);
  for (const entry of added(after.outsideEntries, before.outsideEntries)) found.push(`created outside: ${entry}`);
  for (const output of outputs) if (output.includes(sandbox.secret)) found.push(`the secret leaked: ${output}`);
  return found;
}

/**
 * The DomainError type `call` fails with, or 'ok' when it succeeds; any other error fails the test. Each refusal's
 * message goes to `messages`, which `escapes` then checks for the sentinel's contents.
 */
export async function outcomeOf(call: () => unknown, messages: string[]): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    messages.push(err.message);
    return err.type;
  }
}

/** Points MLOPS_HOME at `home` for a suite; the returned function puts the old value back. */
export function useHome(home: string): () => void {
  const saved = process.env.MLOPS_HOME;
  process.env.MLOPS_HOME = home;
  return () => {
    if (saved === undefined) delete process.env.MLOPS_HOME;
    else process.env.MLOPS_HOME = saved;
  };
}
