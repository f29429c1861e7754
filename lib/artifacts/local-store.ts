/**
 * The local-folder artifact store: `<root>/sha256/<first 2 hex>/<full hex>`, written through a temporary file
 * in `<root>/tmp` that is fsynced and renamed into place, so a crash never leaves a partial artifact.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';
import { artifactRelativePath, resolveInStore } from './paths';
import { artifactRef, artifactUri, checkArtifactKind, locatorDigest } from './types';
import type { ArtifactLocator, ArtifactRef, ArtifactStore, PutArtifactOptions } from './types';

/** Options of `LocalArtifactStore`. */
export interface LocalArtifactStoreOptions {
  /** Folder holding the store; created when missing. */
  root: string;
}

const CHUNK = 1 << 20;

/** An ArtifactStore in a local folder. */
export class LocalArtifactStore implements ArtifactStore {
  /** Absolute path of the store's root folder. */
  readonly root: string;
  private readonly realRoot: string;

  constructor(options: LocalArtifactStoreOptions) {
    this.root = resolve(options.root);
    mkdirSync(join(this.root, 'tmp'), { recursive: true });
    this.realRoot = realpathSync(this.root);
  }

  async put(sourcePath: string, opts: PutArtifactOptions = {}): Promise<ArtifactRef> {
    if (opts.kind !== undefined) checkArtifactKind(opts.kind);
    const source = await openSource(sourcePath);
    const temp = this.tempPath();
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      const out = await open(temp, 'wx', 0o644);
      try {
        for await (const chunk of source.createReadStream({ highWaterMark: CHUNK, autoClose: false })) {
          const buffer = chunk as Buffer;
          hash.update(buffer);
          bytes += buffer.length;
          for (let offset = 0; offset < buffer.length;) offset += (await out.write(buffer, offset)).bytesWritten;
        }
        await out.sync();
      } finally {
        await out.close();
      }
      return await this.commit(temp, hash.digest('hex'), bytes, opts.kind);
    } finally {
      await source.close();
      await rm(temp, { force: true });
    }
  }

  async putBytes(bytes: Uint8Array, opts: PutArtifactOptions = {}): Promise<ArtifactRef> {
    if (opts.kind !== undefined) checkArtifactKind(opts.kind);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (await this.holdsIntact(sha256)) return artifactRef(sha256, bytes.length, opts.kind);
    const temp = this.tempPath();
    try {
      const out = await open(temp, 'wx', 0o644);
      try {
        await out.writeFile(bytes);
        await out.sync();
      } finally {
        await out.close();
      }
      return await this.commit(temp, sha256, bytes.length, opts.kind);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async read(ref: ArtifactLocator): Promise<Buffer> {
    const sha256 = locatorDigest(ref);
    const path = this.resolve(artifactUri(sha256));
    const bytes = await readFile(path).catch((err: unknown) => {
      throw missingOr(err, sha256, this.root);
    });
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw corrupt(sha256, path, actual);
    return bytes;
  }

  async localPath(ref: ArtifactLocator): Promise<string> {
    const sha256 = locatorDigest(ref);
    const path = this.resolve(artifactUri(sha256));
    const actual = await hashFile(path).catch((err: unknown) => {
      throw missingOr(err, sha256, this.root);
    });
    if (actual !== sha256) throw corrupt(sha256, path, actual);
    return path;
  }

  async has(ref: ArtifactLocator): Promise<boolean> {
    const path = this.resolve(artifactUri(locatorDigest(ref)));
    return stat(path).then(
      (s) => s.isFile(),
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
  }

  resolve(pathOrRef: string): string {
    return resolveInStore(this.root, this.realRoot, pathOrRef);
  }

  /** Moves a complete, fsynced temp file into place, unless an intact copy is already there. */
  private async commit(temp: string, sha256: string, bytes: number, kind?: string): Promise<ArtifactRef> {
    if (!(await this.holdsIntact(sha256))) {
      const final = this.resolve(artifactRelativePath(sha256));
      await mkdir(dirname(final), { recursive: true });
      await chmod(temp, 0o444);
      await rename(temp, final);
    }
    return artifactRef(sha256, bytes, kind);
  }

  /** True when the artifact is stored and its bytes match; a corrupt copy reads as absent so `put` repairs it. */
  private async holdsIntact(sha256: string): Promise<boolean> {
    const path = this.resolve(artifactRelativePath(sha256));
    try {
      return (await hashFile(path)) === sha256;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private tempPath(): string {
    return join(this.root, 'tmp', `${randomBytes(12).toString('hex')}.partial`);
  }
}

/** Opens a source file, refusing a missing path or anything but a regular file. */
async function openSource(sourcePath: string): Promise<FileHandle> {
  const handle = await open(sourcePath, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') {
      throw new DomainError(ErrorType.NotFound, `artifact source '${sourcePath}' does not exist: check the path`, {
        cause: err,
      });
    }
    throw err;
  });
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new DomainError(ErrorType.InvalidInput, `artifact source '${sourcePath}' is not a file: pass a file path`);
  }
  return handle;
}

/** Streams a file through sha256. */
async function hashFile(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ highWaterMark: CHUNK, autoClose: false })) {
      hash.update(chunk as Buffer);
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

function missingOr(err: unknown, sha256: string, root: string): unknown {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return err;
  return new DomainError(
    ErrorType.NotFound,
    `artifact sha256:${sha256} is not in the store at ${root}: put it first or check MLOPS_HOME`,
    { cause: err },
  );
}

function corrupt(sha256: string, path: string, actual: string): DomainError {
  return new DomainError(
    ErrorType.ArtifactCorrupt,
    `artifact sha256:${sha256} at ${path} is corrupt (its bytes hash to ${actual}): put the original file again`,
  );
}
