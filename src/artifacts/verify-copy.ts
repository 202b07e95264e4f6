/**
 * Streams a blob source through SHA-256 on its way into a store, and checks what came through.
 * @module
 */
import { createReadStream } from 'node:fs';
import { ExptrackError } from '../core/errors.js';
import type { BlobSource } from '../core/artifacts.js';
import { digestOf, newHash } from './digest.js';

/** Bytes read from a source file at a time. */
export const COPY_CHUNK_BYTES = 1024 * 1024;

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
  const digest = digestOf(hash);
  if (digest !== expectedDigest || size !== expectedSize) {
    throw new ExptrackError(`the content of ${where} changed while it was stored: expected ${expectedDigest} (${expectedSize} bytes), read ${digest} (${size} bytes)`, {
      code: 'invalid_input',
      field: 'path',
      value: where,
    });
  }
}

/** A `not_found` error for a blob a record names but the store does not hold. */
export function missingBlob(digest: string, store: string): ExptrackError {
  return new ExptrackError(`blob ${digest} is missing from the ${store} blob store`, { code: 'not_found', field: 'digest', value: digest });
}
