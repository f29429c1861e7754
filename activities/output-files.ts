/** Where activities write the files (profiles, reports) that workflows name by relative path. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { loadConfig } from '../lib/config';

/**
 * An output path as given: absolute paths stay, relative ones land under MLOPS_HOME, so a workflow can
 * name a place (`lifecycle/churn/3/profile.json`) without knowing any worker's file system.
 */
export function outputPath(path: string): string {
  return isAbsolute(path) ? path : join(loadConfig().home, path);
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
