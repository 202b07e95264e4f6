/**
 * Digests of blobs and manifests: `sha256:` and 64 lowercase hex digits.
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import type { ArtifactFile } from '../core/artifacts.js';

/** A new SHA-256 hash. */
export function newHash(): Hash {
  return createHash('sha256');
}

/** The digest text of a finished hash. */
export function digestOf(hash: Hash): string {
  return `sha256:${hash.digest('hex')}`;
}

/** The digest of bytes in memory. */
export function digestOfBytes(bytes: Uint8Array): string {
  return digestOf(newHash().update(bytes));
}

/**
 * The digest of a directory artifact: the SHA-256 of its canonical manifest, the files sorted by
 * path (byte order) as `[{"path":…,"digest":…,"size":…}, …]` JSON with keys in that order.
 */
export function manifestDigest(files: readonly ArtifactFile[]): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const manifest = JSON.stringify(sorted.map((f) => ({ path: f.path, digest: f.digest, size: f.size })));
  return digestOfBytes(Buffer.from(manifest));
}
