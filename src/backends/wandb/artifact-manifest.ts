/**
 * W&B's artifact manifest, version 1, as the wandb SDK writes `wandb_manifest.json`: each file's
 * digest is the base64 MD5 of its bytes, and the artifact's digest is the hex MD5 of
 * `wandb-artifact-manifest-v1\n` followed by `<path>:<file digest>\n` for every file in path order.
 * Files are hashed while streamed from disk, never read whole.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { digestOf, newHash } from '../../artifacts/digest.js';

/** Where the bytes of an artifact file are: a file on disk (streamed) or bytes in memory. */
export type ArtifactFileSource = { path: string } | { bytes: Uint8Array };

/** One file of a W&B manifest. */
export interface ManifestEntry {
  /** The path inside the artifact (posix). */
  path: string;
  /** Base64 MD5 of the bytes. */
  digest: string;
  size: number;
  /** The W&B artifact that first stored these bytes, as `CreateArtifactFiles` names it. */
  birthArtifactID?: string;
}

/** The hashes of one file: W&B's MD5 (base64) and exptrack's SHA-256 (`sha256:` hex). */
export interface FileHashes {
  md5: string;
  sha256: string;
  size: number;
}

/** The storage policy W&B's own SDK writes for files stored in W&B. */
const STORAGE_POLICY = 'wandb-storage-policy-v1';
/** The storage layout asked for in `CreateArtifactFiles` and named in the manifest's policy config. */
export const STORAGE_LAYOUT = 'V2';

/**
 * Hashes a file's bytes with MD5 and SHA-256 in one pass, streaming from disk.
 *
 * @param source - the file or bytes
 * @returns both digests and the size
 */
export async function hashArtifactFile(source: ArtifactFileSource): Promise<FileHashes> {
  const md5 = createHash('md5');
  const sha = newHash();
  let size = 0;
  if ('bytes' in source) {
    md5.update(source.bytes);
    sha.update(source.bytes);
    size = source.bytes.byteLength;
  } else {
    for await (const chunk of createReadStream(source.path, { highWaterMark: 1 << 20 })) {
      const bytes = chunk as Buffer;
      md5.update(bytes);
      sha.update(bytes);
      size += bytes.byteLength;
    }
  }
  return { md5: md5.digest('base64'), sha256: digestOf(sha), size };
}

function byPath(a: ManifestEntry, b: ManifestEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * The artifact digest W&B computes from a manifest (`digestAlgorithm: MANIFEST_MD5`).
 *
 * @param entries - the files
 * @returns 32 lowercase hex digits
 */
export function manifestDigest(entries: readonly ManifestEntry[]): string {
  const hash = createHash('md5').update('wandb-artifact-manifest-v1\n');
  for (const entry of [...entries].sort(byPath)) hash.update(`${entry.path}:${entry.digest}\n`);
  return hash.digest('hex');
}

/**
 * The bytes of `wandb_manifest.json`.
 *
 * @param entries - the files
 * @returns the manifest as UTF-8 JSON
 */
export function manifestJson(entries: readonly ManifestEntry[]): Uint8Array {
  const contents: Record<string, { digest: string; size: number; birthArtifactID?: string }> = {};
  for (const entry of [...entries].sort(byPath)) {
    contents[entry.path] = { digest: entry.digest, size: entry.size, ...(entry.birthArtifactID ? { birthArtifactID: entry.birthArtifactID } : {}) };
  }
  return new TextEncoder().encode(JSON.stringify({ version: 1, storagePolicy: STORAGE_POLICY, storagePolicyConfig: { storageLayout: STORAGE_LAYOUT }, contents }));
}

/**
 * An exptrack artifact name as a W&B collection name: W&B takes letters, digits, `-`, `_` and `.`;
 * anything else becomes `-`.
 *
 * @param name - the exptrack name
 * @returns the collection name
 */
export function collectionName(name: string): string {
  return name.replace(/[^\w.-]/g, '-').slice(0, 128) || 'artifact';
}
