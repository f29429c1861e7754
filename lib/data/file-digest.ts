/**
 * sha256 of a file computed in a worker thread while the caller decodes the same file, so hashing runs on another
 * core instead of in front of every batch. The worker reads the file itself (from the page cache, in 4 MiB chunks);
 * the file's size and modification time are compared before and after, so a file changed while it was being read
 * fails instead of yielding a digest of other bytes than were decoded. Hashing threads are pooled: a thread's start
 * costs tens of milliseconds of CPU, which a read of one dataset after another would pay every time.
 */
import { Worker } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import { ErrorType } from '../../workflows/contracts';
import { BACKGROUND_NICE, IdleThreads } from '../background-threads';
import { DomainError } from '../errors';

/** A digest being computed: the digest itself, the bytes hashed so far, and a way to stop early. */
export interface FileDigest {
  /** Resolves with the hex sha256 once the whole file is hashed. */
  digest: () => Promise<string>;
  /** Bytes hashed so far (progress for heartbeats). */
  bytesHashed: () => number;
  /** Stops the hashing (within a chunk); the digest then rejects (and is ignored). */
  cancel: () => void;
}

type Reply = { id: number; bytes: number; sha256?: string; error?: string; code?: string; cancelled?: boolean };

/** A request to a hashing thread: the file, and a flag that a non-zero value stops the hashing. */
type Request = { id: number; path: string; cancel: Int32Array };

/** Worker body (CommonJS, evaluated): hashes each requested file, posting progress every 32 MiB, then the digest. */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
// A background thread: when the cores are short, the thread decoding (or running a model) goes first.
if (process.platform === 'linux') try { require('node:os').setPriority(0, workerData.nice); } catch {}
const chunk = Buffer.allocUnsafe(1 << 22);
parentPort.on('message', ({ id, path, cancel }) => {
  let fd;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    let bytes = 0, posted = 0;
    for (;;) {
      if (Atomics.load(cancel, 0) !== 0) { parentPort.postMessage({ id, bytes, cancelled: true }); return; }
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(n === chunk.length ? chunk : chunk.subarray(0, n));
      bytes += n;
      if (bytes - posted >= 1 << 25) { parentPort.postMessage({ id, bytes }); posted = bytes; }
    }
    parentPort.postMessage({ id, bytes, sha256: hash.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ id, bytes: 0, error: String((err && err.message) || err), code: err && err.code });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

/** Hashing threads waiting for the next file. */
const idle = new IdleThreads(2);
let nextRequest = 0;

function takeThread(): Worker {
  return idle.take() ?? new Worker(WORKER_SOURCE, { eval: true, workerData: { nice: BACKGROUND_NICE } });
}

/** Identity of a file's content as far as stat can tell. */
async function fileStamp(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.size}:${info.mtimeMs}`;
}

/** Starts hashing `path` on a pooled thread; `onProgress` gets the bytes hashed so far. */
export function digestFile(path: string, size: number, onProgress?: (bytes: number) => void): FileDigest {
  let hashed = 0;
  const before = fileStamp(path);
  const worker = takeThread();
  const request: Request = { id: nextRequest++, path, cancel: new Int32Array(new SharedArrayBuffer(4)) };
  let release: (reuse: boolean) => void = () => undefined;
  const digest = new Promise<string>((resolveDigest, reject) => {
    const onMessage = (reply: Reply) => {
      if (reply.id !== request.id) return;
      hashed = reply.bytes;
      const last = reply.error !== undefined || reply.cancelled || reply.sha256 !== undefined;
      if (last) release(true);
      if (reply.error !== undefined) return reject(Object.assign(new Error(reply.error), { code: reply.code }));
      if (reply.cancelled) return reject(new Error('hashing cancelled'));
      onProgress?.(hashed);
      if (reply.sha256 === undefined) return;
      const sha256 = reply.sha256;
      Promise.all([before, fileStamp(path)]).then(([a, b]) => {
        if (a === b && hashed === size) resolveDigest(sha256);
        else reject(new DomainError(ErrorType.DatasetCorrupt, `${path} changed while it was being read`));
      }, reject);
    };
    const onError = (err: Error) => {
      release(false);
      reject(err);
    };
    const onExit = (code: number) => {
      release(false);
      reject(new Error(`file digest worker stopped (exit code ${code}) before the digest`));
    };
    let released = false;
    release = (reuse) => {
      if (released) return;
      released = true;
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      // A thread that answered is reused; one that failed or stopped is not.
      if (reuse) idle.put(worker);
      else void worker.terminate();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  worker.postMessage(request);
  // Observed by `digest()`'s callers; a read stopped early never asks for it.
  digest.catch(() => undefined);
  before.catch(() => undefined);
  return {
    digest: () => digest,
    bytesHashed: () => hashed,
    cancel: () => Atomics.store(request.cancel, 0, 1),
  };
}
