/**
 * Large read buffers kept between dataset reads of the same process. A fresh 30 MB buffer costs a page fault per
 * 4 KiB on first touch, and V8 starts a full garbage collection for every ~64 MB of new external memory; a worker
 * that evaluates or reads one dataset after another reuses the same few buffers instead. The pool holds at most
 * `MAX_POOLED_BYTES` and empties itself after `IDLE_MS` without a read.
 */

/** The pool empties after this long without a buffer taken or given back. */
export const IDLE_MS = 30_000;
/** At most this many bytes wait in the pool. */
export const MAX_POOLED_BYTES = 512 * 1024 * 1024;

const pooled: Uint8Array[] = [];
let pooledBytes = 0;
let timer: NodeJS.Timeout | undefined;

function touch(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (pooled.length === 0) return;
  timer = setTimeout(drainBufferPool, IDLE_MS);
  timer.unref();
}

/** A buffer of at least `bytes` bytes, pooled when one fits (its contents are left from its last use). */
export function takeBuffer(bytes: number): Uint8Array {
  let best = -1;
  for (let i = 0; i < pooled.length; i++) {
    // The smallest that fits, but not one more than twice the size asked for: that one waits for a bigger read.
    if (
      pooled[i].length >= bytes &&
      pooled[i].length <= 2 * bytes &&
      (best < 0 || pooled[i].length < pooled[best].length)
    ) {
      best = i;
    }
  }
  if (best < 0) return new Uint8Array(bytes);
  const [buffer] = pooled.splice(best, 1);
  pooledBytes -= buffer.length;
  touch();
  return buffer;
}

/** Gives buffers back; the caller keeps no view of them. Buffers beyond the pool's limit are left to the GC. */
export function giveBackBuffers(buffers: Iterable<Uint8Array>): void {
  for (const buffer of buffers) {
    if (buffer.byteOffset !== 0 || buffer.length !== buffer.buffer.byteLength) continue;
    if (pooledBytes + buffer.length > MAX_POOLED_BYTES) continue;
    pooled.push(buffer);
    pooledBytes += buffer.length;
  }
  touch();
}

/** Empties the pool now. */
export function drainBufferPool(): void {
  pooled.length = 0;
  pooledBytes = 0;
  if (timer) clearTimeout(timer);
  timer = undefined;
}

/** Bytes waiting in the pool. */
export function pooledBufferBytes(): number {
  return pooledBytes;
}
