/** Where activities write the files (profiles, reports) that workflows name by relative path. */
import { mkdirSync, realpathSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { resolveInside } from '../lib/artifacts/paths';
import { loadConfig } from '../lib/config';

/**
 * An output path as given: absolute paths stay (the caller chose the place), relative ones land under
 * MLOPS_HOME, so a workflow can name a place (`lifecycle/churn/3/profile.json`) without knowing any worker's
 * file system. A relative path must stay under MLOPS_HOME: `..` in any spelling, NUL bytes and symlinks that
 * lead out are refused with PathOutsideStore.
 */
export function outputPath(path: string): string {
  if (isAbsolute(path)) return path;
  const home = resolve(loadConfig().home);
  mkdirSync(home, { recursive: true });
  return resolveInside(
    {
      root: home,
      realRoot: realpathSync(home),
      place: 'MLOPS_HOME',
      hint: 'give a relative path inside MLOPS_HOME or an absolute path',
    },
    path,
  );
}

/** Writes JSON atomically (temporary file, then rename) at `outputPath(path)`; returns where it went. */
export async function writeJsonOutput(path: string, value: unknown, indent?: number): Promise<string> {
  const target = outputPath(path);
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.tmp-${process.pid}`;
  await writeFile(temporary, JSON.stringify(value, null, indent));
  await rename(temporary, target);
  return target;
}
