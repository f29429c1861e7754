/**
 * Confinement of paths to the artifact store's root: lexical checks on every decoded form of the input,
 * then a realpath check so a symlink inside the store cannot lead outside it.
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
 * leave the store: `..` segments (also `\`-separated and percent-encoded, once or more), NUL bytes, absolute
 * paths elsewhere, and symlinks whose target is outside the root.
 */
export function resolveInStore(root: string, realRoot: string, pathOrRef: string): string {
  if (pathOrRef === '') throw new DomainError(ErrorType.InvalidInput, 'artifact path is empty: pass a path or ref');
  for (const form of decodedForms(pathOrRef)) {
    if (form.includes('\0') || form.split(/[\\/]/).includes('..')) throw outside(pathOrRef);
  }
  let candidate: string;
  if (pathOrRef.startsWith('sha256:')) {
    const hex = pathOrRef.slice('sha256:'.length);
    if (!SHA256_HEX.test(hex)) {
      throw new DomainError(
        ErrorType.InvalidInput,
        `'${printable(pathOrRef)}' is not an artifact reference: use 'sha256:' followed by 64 lowercase hex digits`,
      );
    }
    candidate = join(root, artifactRelativePath(hex));
  } else {
    candidate = isAbsolute(pathOrRef) ? resolve(pathOrRef) : resolve(root, pathOrRef);
  }
  if (!inside(root, candidate)) throw outside(pathOrRef);
  if (!inside(realRoot, realpathOfNearest(candidate, pathOrRef))) throw outside(pathOrRef);
  return candidate;
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
function realpathOfNearest(path: string, original: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw outside(original, err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      if (isSymlink(current)) throw outside(original, err);
      const parent = dirname(current);
      if (parent === current) throw outside(original, err);
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

function outside(pathOrRef: string, cause?: unknown): DomainError {
  return new DomainError(
    ErrorType.PathOutsideStore,
    `'${printable(pathOrRef)}' leaves the artifact store: use a path inside the store or a sha256:<hex> ref`,
    { cause },
  );
}
