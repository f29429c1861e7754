/**
 * Confinement of paths to a folder (the artifact store's root, MLOPS_HOME): lexical checks on every decoded
 * form of the input, then a realpath check so a symlink inside the folder cannot lead outside it.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { SHA256_HEX, printable } from './types';

/** Store-relative path of an artifact: `sha256/<first 2 hex>/<full hex>`. */
export function artifactRelativePath(sha256: string): string {
  return join('sha256', sha256.slice(0, 2), sha256);
}

/**
 * Maps `pathOrRef` (store-relative path, absolute path inside the root, or `sha256:<hex>`) to an absolute path
 * inside `root`. `realRoot` is `root` with symlinks resolved. Throws PathOutsideStore for anything that would
 * leave the store: `..` segments (also `\\`-separated and percent-encoded, once or more), NUL bytes, absolute
 * paths elsewhere, and symlinks whose target is outside the root; InvalidInput for a path too long to check.
 */
export function resolveInStore(root: string, realRoot: string, pathOrRef: string): string {
  if (pathOrRef === '') throw new DomainError(ErrorType.InvalidInput, 'artifact path is empty: pass a path or ref');
  const confinement: Confinement = {
    root,
    realRoot,
    place: 'the artifact store',
    hint: 'use a path inside the store or a sha256:<hex> ref',
  };
  if (!pathOrRef.startsWith('sha256:')) return resolveInside(confinement, pathOrRef);
  refuseTraversal(confinement, pathOrRef);
  const hex = pathOrRef.slice('sha256:'.length);
  if (!SHA256_HEX.test(hex)) {
    throw new DomainError(
      ErrorType.InvalidInput,
      `'${printable(pathOrRef)}' is not an artifact reference: use 'sha256:' followed by 64 lowercase hex digits`,
    );
  }
  return resolveInside(confinement, join(root, artifactRelativePath(hex)));
}

/** A folder that paths must stay in, and how a refusal names it. */
export interface Confinement {
  /** Absolute path of the folder. */
  root: string;
  /** `root` with symlinks resolved. */
  realRoot: string;
  /** What the folder is, for messages: `the artifact store`, `MLOPS_HOME`. */
  place: string;
  /** What to do instead, for messages. */
  hint: string;
}

/**
 * Maps `path` (relative to the root, or absolute inside it) to an absolute path inside the root, or throws
 * PathOutsideStore: `..` in any spelling (`\\`, percent-encoded once or more), NUL bytes, absolute paths elsewhere,
 * symlinks that lead out (also dangling or looping ones). A path too long to check is InvalidInput.
 */
export function resolveInside(confinement: Confinement, path: string): string {
  refuseTraversal(confinement, path);
  const { root, realRoot } = confinement;
  const candidate = isAbsolute(path) ? resolve(path) : resolve(root, path);
  if (!inside(root, candidate)) throw outside(confinement, path);
  if (!inside(realRoot, realpathOfNearest(confinement, candidate, path))) throw outside(confinement, path);
  return candidate;
}

/** Throws PathOutsideStore when any decoded form of `path` holds a NUL byte or a `..` segment. */
function refuseTraversal(confinement: Confinement, path: string): void {
  for (const form of decodedForms(path)) {
    if (form.includes('\0') || form.split(/[\\/]/).includes('..')) throw outside(confinement, path);
  }
}

/** The input and each successive percent-decoding of it, until decoding changes nothing (at most 8 rounds). */
function decodedForms(text: string): string[] {
  const forms = [text];
  let current = text;
  for (let round = 0; round < 8 && current.includes('%'); round++) {
    const next = current.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    forms.push(next);
    current = next;
  }
  return forms;
}

/** True when `path` is `root` or below it. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * The real path of `path`: its own realpath when it exists, otherwise its nearest existing ancestor's realpath
 * joined with the rest. A dangling symlink on the way is refused: its target cannot be checked.
 */
function realpathOfNearest(confinement: Confinement, path: string, original: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw outside(confinement, original, err);
      if (code === 'ENAMETOOLONG') {
        throw new DomainError(
          ErrorType.InvalidInput,
          `'${printable(original)}' is too long a path: use a shorter one`,
          {
            cause: err,
          },
        );
      }
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      if (isSymlink(current)) throw outside(confinement, original, err);
      const parent = dirname(current);
      if (parent === current) throw outside(confinement, original, err);
      missing.push(basename(current));
      current = parent;
    }
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function outside(confinement: Confinement, path: string, cause?: unknown): DomainError {
  return new DomainError(
    ErrorType.PathOutsideStore,
    `'${printable(path)}' leaves ${confinement.place}: ${confinement.hint}`,
    { cause },
  );
}
