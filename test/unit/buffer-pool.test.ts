/** The pool of large read buffers: which buffer a read gets back, and what the pool keeps. */
import {
  drainBufferPool,
  giveBackBuffers,
  MAX_POOLED_BYTES,
  pooledBufferBytes,
  takeBuffer,
} from '../../lib/data/buffer-pool';

describe('the read buffer pool', () => {
  afterEach(() => drainBufferPool());

  it('hands back the smallest pooled buffer that fits, and a new one when none does', () => {
    const small = takeBuffer(1000);
    const large = takeBuffer(1800);
    giveBackBuffers([large, small]);
    expect(pooledBufferBytes()).toBe(2800);
    expect(takeBuffer(900)).toBe(small);
    expect(takeBuffer(900)).toBe(large);
    const fresh = takeBuffer(900);
    expect(fresh).not.toBe(small);
    expect(fresh.length).toBe(900);
    expect(pooledBufferBytes()).toBe(0);
  });

  it('keeps a buffer over twice the size asked for for a bigger read', () => {
    const big = takeBuffer(10_000);
    giveBackBuffers([big]);
    expect(takeBuffer(4000)).not.toBe(big);
    expect(takeBuffer(6000)).toBe(big);
  });

  it('takes no views and no more than its limit, and empties on demand', () => {
    const whole = new Uint8Array(64);
    giveBackBuffers([whole.subarray(8), new Uint8Array(new ArrayBuffer(64), 0, 32)]);
    expect(pooledBufferBytes()).toBe(0);
    const huge = { length: MAX_POOLED_BYTES + 1, byteOffset: 0, buffer: { byteLength: MAX_POOLED_BYTES + 1 } };
    giveBackBuffers([huge as unknown as Uint8Array]);
    expect(pooledBufferBytes()).toBe(0);
    giveBackBuffers([whole]);
    expect(pooledBufferBytes()).toBe(64);
    drainBufferPool();
    expect(pooledBufferBytes()).toBe(0);
  });
});
