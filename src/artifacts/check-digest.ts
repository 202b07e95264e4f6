/**
 * The well-formedness check of digests, apart from hashing (`digest.ts` needs `node:crypto`): the
 * artifact store's reads and `HttpBackend`'s browser bundle use it without Node.
 * @module
 */
import { ExptrackError } from '../core/errors.js';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Checks that a digest read from a store, an export or a request is well formed: it names a blob,
 * and a directory store builds a path from it.
 * @throws ExptrackError `invalid_input` naming `field`.
 */
export function checkDigest(digest: unknown, field = 'digest'): string {
  if (typeof digest !== 'string' || !DIGEST.test(digest)) throw new ExptrackError(`${field} must be "sha256:" and 64 lowercase hex digits`, { code: 'invalid_input', field, value: digest });
  return digest;
}
