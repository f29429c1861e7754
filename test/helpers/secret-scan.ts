/** Helpers for secret-scan tests: planted canary values, and a raw byte scan of files for them. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `count` unique canary strings: recognisable, random, and not shaped like any credential the spec refuses. */
export function canaries(count: number, prefix = 'canary'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}x${randomBytes(10).toString('hex')}`);
}

/** One canary found in one place. */
export interface Hit {
  canary: string;
  where: string;
}

/** Every file under `dir`, recursively; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The embedded test server's SQLite files (database, WAL, shared memory); [] when the server is external. */
export async function temporalDbFiles(): Promise<string[]> {
  const home = process.env.MLOPS_TEST_SERVER_HOME;
  if (!home) return [];
  const dir = join(home, 'temporal');
  return (await filesUnder(dir)).filter((file) => /temporal\.db(-wal|-shm|-journal)?$/.test(file));
}

/** Where each canary occurs, as raw bytes, in `files`. */
export async function scanFiles(files: string[], needles: string[]): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const file of files) {
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    for (const canary of needles) if (bytes.includes(canary)) hits.push({ canary, where: file });
  }
  return hits;
}

/** Where each canary occurs in named texts (captured output, error messages). */
export function scanTexts(texts: Record<string, string>, needles: string[]): Hit[] {
  return Object.entries(texts).flatMap(([where, text]) =>
    needles.filter((canary) => text.includes(canary)).map((canary) => ({ canary, where })),
  );
}
