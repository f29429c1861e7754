/**
 * Screens for reported bugs that a fuzz run must step around, because they lie in code the fuzzer's owners may
 * not change. Each screen detects its bug by behaviour, on its own file handle, so that it can stop the bug's
 * loop; a case it catches is counted as a KnownIssue instead of leaving an endless loop behind.
 */
import { open } from 'node:fs/promises';
import { RecordBatchReader } from 'apache-arrow';
import { KnownIssue } from './fuzz-property';

/** apache-arrow 21's reader over a FileHandle (as `openDataset` uses it) re-reads forever after a negative length. */
export const ARROW_NEGATIVE_LENGTH_LOOP = 'apache-arrow FileHandle reader loops on a negative message length';

/** More reads than any file of a few KiB needs: the reader is looping. */
const MAX_READS = 5000;

/**
 * Throws KnownIssue(ARROW_NEGATIVE_LENGTH_LOOP) when apache-arrow's reader, given a handle of `path`, keeps
 * reading without end; returns when it ends either way (batches or an error).
 */
export async function screenArrowLoop(path: string): Promise<void> {
  const handle = await open(path, 'r');
  let reads = 0;
  const read = handle.read.bind(handle) as (...args: unknown[]) => Promise<unknown>;
  Object.assign(handle, {
    read: (...args: unknown[]) => {
      if (++reads > MAX_READS) return Promise.reject(new Error('looping'));
      return read(...args);
    },
  });
  try {
    for await (const batch of await RecordBatchReader.from(handle)) void batch;
  } catch {
    // The reader's own errors are the code under test's business; only the loop is screened here.
  } finally {
    await handle.close();
  }
  if (reads > MAX_READS) throw new KnownIssue(ARROW_NEGATIVE_LENGTH_LOOP);
}
