/**
 * sha256 of a file computed in a worker thread while the caller decodes the same file, so hashing runs on another
 * core instead of in front of every batch. The worker reads the file itself (from the page cache, in 4 MiB chunks);
 * the file's size and modification time are compared before and after, so a file changed while it was being read
 * fails instead of yielding a digest of other bytes than were decoded.
 */
import { Worker } from 'node:worker_threads';
import { stat } from 'node:fs/promises';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/** A digest being computed: the digest itself, the bytes hashed so far, and a way to stop early. */
export interface FileDigest {
  /** Resolves with the hex sha256 once the whole file is hashed. */
  digest: () => Promise<string>;
  /** Bytes hashed so far (progress for heartbeats). */
  bytesHashed: () => number;
  /** Stops the worker; the digest then rejects (and is ignored). */
  cancel: () => void;
}

type Reply = { bytes: number; sha256?: string; error?: string; code?: string };

/** Worker body (CommonJS, evaluated): hashes the file and posts progress every 32 MiB, then the digest. */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
let fd;
try {
  fd = openSync(workerData.path, 'r');
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(1 << 22);
  let bytes = 0, posted = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    hash.update(n === chunk.length ? chunk : chunk.subarray(0, n));
    bytes += n;
    if (bytes - posted >= 1 << 25) { parentPort.postMessage({ bytes }); posted = bytes; }
  }
  parentPort.postMessage({ bytes, sha256: hash.digest('hex') });
} catch (err) {
  parentPort.postMessage({ bytes: 0, error: String((err && err.message) || err), code: err && err.code });
} finally {
  if (fd !== undefined) closeSync(fd);
}
`;

/** Identity of a file's content as far as stat can tell. */
async function fileStamp(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.size}:${info.mtimeMs}`;
}

/** Starts hashing `path` in a worker thread; `onProgress` gets the bytes hashed so far. */
export function digestFile(path: string, size: number, onProgress?: (bytes: number) => void): FileDigest {
  let hashed = 0;
  let finished = false;
  const before = fileStamp(path);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path } });
  const digest = new Promise<string>((resolveDigest, reject) => {
    worker.on('message', (reply: Reply) => {
      if (reply.error !== undefined) {
        const failure = Object.assign(new Error(reply.error), { code: reply.code });
        reject(failure);
        return;
      }
      hashed = reply.bytes;
      onProgress?.(hashed);
      if (reply.sha256 === undefined) return;
      finished = true;
      const sha256 = reply.sha256;
      Promise.all([before, fileStamp(path)]).then(([a, b]) => {
        if (a === b && hashed === size) resolveDigest(sha256);
        else reject(new DomainError(ErrorType.DatasetCorrupt, `${path} changed while it was being read`));
      }, reject);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!finished) reject(new Error(`file digest worker stopped (exit code ${code}) before the digest`));
    });
  });
  // Observed by `digest()`'s callers; a read stopped early never asks for it.
  digest.catch(() => undefined);
  before.catch(() => undefined);
  return {
    digest: () => digest,
    bytesHashed: () => hashed,
    cancel: () => void worker.terminate(),
  };
}
