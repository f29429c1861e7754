/**
 * The artifact store's contract: content-addressed, immutable files named by their sha256.
 * Free of file-system types so an object store (S3, GCS) can implement it as well as the local folder.
 */
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/** An immutable artifact: its content digest, its `sha256:<hex>` URI, its size and an optional kind label. */
export interface ArtifactRef {
  /** Lowercase hex sha256 of the bytes. */
  sha256: string;
  /** `sha256:<hex>`: the reference that travels in Temporal payloads and the registry. */
  uri: string;
  /** Size in bytes. */
  bytes: number;
  /** What the bytes are (`model`, `profile`, `report`, …); a label only, not part of the address. */
  kind?: string;
}

/** Options of `put` and `putBytes`. */
export interface PutArtifactOptions {
  /** Label echoed in the returned ref; same pattern as registry names. */
  kind?: string;
}

/** An artifact given by its ref or by its `sha256:<hex>` URI. */
export type ArtifactLocator = ArtifactRef | string;

/** A content-addressed artifact store. */
export interface ArtifactStore {
  /** Copies a file in, hashing it as it streams; same bytes give the same ref and are stored once. */
  put(sourcePath: string, opts?: PutArtifactOptions): Promise<ArtifactRef>;
  /** Stores bytes held in memory; idempotent like `put`. */
  putBytes(bytes: Uint8Array, opts?: PutArtifactOptions): Promise<ArtifactRef>;
  /** Reads an artifact whole, verifying its sha256 (ArtifactCorrupt on mismatch, NotFound when absent). */
  read(ref: ArtifactLocator): Promise<Buffer>;
  /**
   * Verifies an artifact's sha256, then returns a local path to its bytes (for libraries that open files
   * themselves, such as onnxruntime). The caller must not write to it.
   */
  localPath(ref: ArtifactLocator): Promise<string>;
  /** True when the store holds the artifact (existence only; `read` and `localPath` verify the bytes). */
  has(ref: ArtifactLocator): Promise<boolean>;
  /**
   * Maps a store-relative path or a `sha256:<hex>` reference to an absolute path inside the store, refusing
   * with PathOutsideStore anything that would leave it.
   */
  resolve(pathOrRef: string): string;
}

/** A lowercase hex sha256 digest. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Pattern of an artifact kind label. */
const KIND = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The `sha256:<hex>` URI of a digest. */
export function artifactUri(sha256: string): string {
  return `sha256:${sha256}`;
}

/** Builds the ref of a stored artifact, validating the kind label. */
export function artifactRef(sha256: string, bytes: number, kind: string | undefined): ArtifactRef {
  const ref: ArtifactRef = { sha256, uri: artifactUri(sha256), bytes };
  if (kind !== undefined) ref.kind = checkArtifactKind(kind);
  return ref;
}

/** Returns the hex digest a locator names, throwing InvalidInput when it is not a sha256 reference. */
export function locatorDigest(ref: ArtifactLocator): string {
  const text = typeof ref === 'string' ? ref : ref.uri;
  const hex = text.startsWith('sha256:') ? text.slice('sha256:'.length) : text;
  if (!SHA256_HEX.test(hex)) {
    throw new DomainError(
      ErrorType.InvalidInput,
      `'${printable(text)}' is not an artifact reference: use 'sha256:' followed by 64 lowercase hex digits`,
    );
  }
  if (typeof ref !== 'string' && ref.sha256 !== hex) {
    throw new DomainError(ErrorType.InvalidInput, `artifact ref has sha256 ${ref.sha256} but uri ${ref.uri}`);
  }
  return hex;
}

/** Returns `kind` when it is a valid kind label; throws InvalidName otherwise. */
export function checkArtifactKind(kind: string): string {
  if (!KIND.test(kind)) {
    throw new DomainError(
      ErrorType.InvalidName,
      `artifact kind '${printable(kind)}' is invalid: use letters, digits, '.', '_' or '-' (at most 64)`,
    );
  }
  return kind;
}

/** A string safe to quote in a one-line message (control characters escaped, long input cut). */
export function printable(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}
