/**
 * Blobs in this process's memory, for the memory backend.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { BlobSource } from '../core/artifacts.js';
import { ExptrackError } from '../core/errors.js';
import type { BlobInfo, BlobStore } from './blob-store.js';
import { checkDigest } from './check-digest.js';
import { digestOfBytes } from './digest.js';
import { missingBlob, verifiedChunks } from './verify-copy.js';

/** A {@link BlobStore} in a Map. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Uint8Array>();

  async has(digest: string): Promise<boolean> {
    return this.blobs.has(checkDigest(digest));
  }

  async put(source: BlobSource): Promise<boolean> {
    const digest = checkDigest(source.digest);
    if (this.blobs.has(digest)) return false;
    const chunks: Uint8Array[] = [];
    for await (const chunk of verifiedChunks(source)) chunks.push(Uint8Array.from(chunk));
    this.blobs.set(digest, Buffer.concat(chunks));
    return true;
  }

  /** `put` for a process's last words (`writeSync`): reads a source file whole. */
  putSync(source: BlobSource): void {
    const digest = checkDigest(source.digest);
    if (this.blobs.has(digest)) return;
    const bytes = 'bytes' in source ? Uint8Array.from(source.bytes) : readFileSync(source.path);
    if (digestOfBytes(bytes) !== digest) throw new ExptrackError(`the content of ${'path' in source ? source.path : 'bytes'} does not match ${digest}`, { code: 'invalid_input', field: 'path', value: 'path' in source ? source.path : 'bytes' });
    this.blobs.set(digest, bytes);
  }

  async read(digest: string): Promise<Uint8Array> {
    const blob = this.blobs.get(checkDigest(digest));
    if (!blob) throw missingBlob(digest, 'memory');
    return Uint8Array.from(blob);
  }

  async stream(digest: string): Promise<AsyncIterable<Uint8Array>> {
    const bytes = await this.read(digest);
    return (async function* () {
      yield bytes;
    })();
  }

  async *list(): AsyncIterable<BlobInfo> {
    for (const [digest, bytes] of this.blobs) yield { digest, size: bytes.byteLength };
  }

  async delete(digest: string): Promise<void> {
    this.blobs.delete(checkDigest(digest));
  }
}
