/**
 * Streams a blob source through SHA-256 on its way into a store, and checks what came through.
 * @module
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { ExptrackError } from '../core/errors.js';
import type { BlobSource } from '../core/artifacts.js';
import { digestOf, newHash } from './digest.js';

/** Bytes read from a source file at a time. */
export const COPY_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The SHA-256 digest and size of a file, read in {@link COPY_CHUNK_BYTES} chunks with the next
 * read in flight while the last one is hashed (two buffers, whatever the file's size).
 */
export async function digestOfFile(path: string): Promise<{ digest: string; size: number }> {
  const hash = newHash();
  const handle = await open(path, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(COPY_CHUNK_BYTES), Buffer.allocUnsafe(COPY_CHUNK_BYTES)];
    let size = 0;
    let turn = 0;
    let next = handle.read(buffers[0]!, 0, COPY_CHUNK_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await next;
      if (bytesRead === 0) break;
      turn ^= 1;
      next = handle.read(buffers[turn]!, 0, COPY_CHUNK_BYTES, null);
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { digest: digestOf(hash), size };
  } finally {
    await handle.close();
  }
}

/** Throws when a copy's digest or size is not the one its source was logged with. */
export function checkCopy(read: { digest: string; size: number }, expected: { digest: string; size: number }, where: string): void {
  if (read.digest !== expected.digest || read.size !== expected.size) {
    throw new ExptrackError(`the content of ${where} changed while it was stored: expected ${expected.digest} (${expected.size} bytes), read ${read.digest} (${read.size} bytes)`, {
      code: 'invalid_input',
      field: 'path',
      value: where,
    });
  }
}

/**
 * The chunks of a source, hashed on the way; after the last chunk, throws when the bytes are not
 * the ones the digest and size name (the file changed after the tracker hashed it).
 */
export function verifiedChunks(source: BlobSource): AsyncGenerator<Uint8Array> {
  if ('bytes' in source) return verifyChunks((async function* () { yield source.bytes; })(), source.digest, source.size, 'bytes');
  return verifyChunks(createReadStream(source.path, { highWaterMark: COPY_CHUNK_BYTES }) as AsyncIterable<Buffer>, source.digest, source.size, source.path);
}

/** Any chunks, hashed on the way and checked against `digest` and `size` after the last; `where` names them in the error. */
export async function* verifyChunks(chunks: AsyncIterable<Uint8Array>, expectedDigest: string, expectedSize: number, where: string): AsyncGenerator<Uint8Array> {
  const hash = newHash();
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.byteLength;
    yield chunk;
  }
  checkCopy({ digest: digestOf(hash), size }, { digest: expectedDigest, size: expectedSize }, where);
}

/** A `not_found` error for a blob a record names but the store does not hold. */
export function missingBlob(digest: string, store: string): ExptrackError {
  return new ExptrackError(`blob ${digest} is missing from the ${store} blob store`, { code: 'not_found', field: 'digest', value: digest });
}
