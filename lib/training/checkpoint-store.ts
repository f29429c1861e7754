/** Finding the newest complete checkpoint in a run's checkpoint folder. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The checkpoint with the highest step in `dir`, by the last number in each file name (the contract's
 * naming: `step-00000200.json`, `epoch-000004.pkl`); temporary files and `final.*` are skipped.
 * Checkpoints are renamed into place when complete, so any file found here is whole.
 */
export async function latestCheckpoint(dir: string): Promise<{ path: string; step: number } | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  let best: { path: string; step: number } | undefined;
  for (const name of names) {
    if (name.includes('.tmp-') || name.startsWith('final.')) continue;
    const digits = name.match(/(\d+)(?!.*\d)/);
    if (!digits) continue;
    const step = Number(digits[1]);
    if (!best || step > best.step) best = { path: join(dir, name), step };
  }
  return best;
}
