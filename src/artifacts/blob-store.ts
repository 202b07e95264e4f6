/**
 * The content-addressed blob store every artifact-capable backend keeps its bytes in.
 * @module
 */
import type { BlobSource } from '../core/artifacts.js';

/** A blob as a listing shows it. */
export interface BlobInfo {
  digest: string;
  size: number;
}

/**
 * Bytes by their SHA-256. `put` checks the digest and size while it copies and makes the blob
 * visible only when it is complete; putting a blob that exists costs a lookup.
 */
export interface BlobStore {
  has(digest: string): Promise<boolean>;
  /** Stores the source's bytes; resolves true when the blob is new. */
  put(source: BlobSource): Promise<boolean>;
  read(digest: string): Promise<Uint8Array>;
  stream(digest: string): Promise<AsyncIterable<Uint8Array>>;
  list(): AsyncIterable<BlobInfo>;
  delete(digest: string): Promise<void>;
  /**
   * For stores whose writes leave pieces until they finish (Postgres chunks): finds, and unless
   * `dryRun` deletes, the pieces of uploads whose writer is gone.
   */
  collectAbandoned?(dryRun: boolean): Promise<{ uploads: number; bytes: number }>;
}
