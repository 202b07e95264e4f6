/**
 * Reading a dataset file from a local path or a URL; a URL is downloaded once into a cache directory
 * and checked against its sha256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExptrackError } from '../../core/errors.js';

/**
 * How remote files are fetched and kept.
 *
 * @example
 * ```ts
 * import type { DownloadOptions } from 'exptrack/eval';
 * const o: DownloadOptions = { cacheDir: '/tmp/exptrack-data' };
 * ```
 */
export interface DownloadOptions {
  /** Where downloads are kept. @defaultValue `$EXPTRACK_CACHE_DIR`, else `$XDG_CACHE_HOME/exptrack/datasets`, else `~/.cache/exptrack/datasets` */
  cacheDir?: string;
  /** The fetch to use. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /** Cancels the download. */
  signal?: AbortSignal;
}

/**
 * Whether a source string is an http(s) URL.
 *
 * @param source - a path or URL
 * @returns true for http:// and https://
 * @example
 * ```ts
 * import { isUrl } from 'exptrack/eval';
 * isUrl('https://example.com/test.jsonl'); // true
 * ```
 */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * The default download directory.
 *
 * @returns the directory path
 * @example
 * ```ts
 * import { defaultCacheDir } from 'exptrack/eval';
 * defaultCacheDir(); // e.g. '/home/me/.cache/exptrack/datasets'
 * ```
 */
export function defaultCacheDir(): string {
  if (process.env.EXPTRACK_CACHE_DIR) return process.env.EXPTRACK_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'exptrack', 'datasets');
}

/**
 * The sha256 of some bytes, in hex.
 *
 * @param data - the bytes
 * @returns 64 hex characters
 * @example
 * ```ts
 * import { sha256Hex } from 'exptrack/eval';
 * sha256Hex(Buffer.from('')); // 'e3b0c442...'
 * ```
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Reads a dataset file as text: a local path as it is, a URL through the download cache.
 * A cached copy whose hash no longer matches is downloaded again; a download whose hash does not
 * match is rejected and not kept.
 *
 * @param source - a local path or an http(s) URL
 * @param expectedSha256 - the file's sha256 (required for URLs unless `allowUnverified`)
 * @param options - cache directory, fetch, signal, and `allowUnverified`
 * @returns the file's text
 * @throws ExptrackError `not_found` for a missing local file, `unavailable` when the download
 * fails, `invalid_input` for a sha256 mismatch or a URL without an expected hash
 * @example
 * ```ts
 * import { readSource } from 'exptrack/eval';
 * const text = await readSource('https://example.com/test.jsonl', '3730d3...', { cacheDir: '/tmp/data' });
 * ```
 */
export async function readSource(
  source: string,
  expectedSha256: string | undefined,
  options: DownloadOptions & { allowUnverified?: boolean } = {},
): Promise<string> {
  if (!isUrl(source)) {
    try {
      const bytes = await readFile(source);
      if (expectedSha256 && sha256Hex(bytes) !== expectedSha256.toLowerCase()) {
        throw new ExptrackError(`sha256 of ${source} is ${sha256Hex(bytes)}, expected ${expectedSha256}`, { code: 'invalid_input', field: 'sha256', value: source });
      }
      return bytes.toString('utf8');
    } catch (error) {
      if (ExptrackError.is(error)) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new ExptrackError(`cannot read dataset file ${source}${code ? ` (${code})` : ''}`, {
        code: code === 'ENOENT' ? 'not_found' : 'unavailable',
        field: 'source',
        value: source,
        cause: error,
        retryable: false,
      });
    }
  }
  if (!expectedSha256 && !options.allowUnverified) {
    throw new ExptrackError(`no sha256 known for ${source}: pass the expected hash, or allowUnverified: true`, {
      code: 'invalid_input',
      field: 'sha256',
      value: source,
    });
  }
  const dir = options.cacheDir ?? defaultCacheDir();
  const name = `${sha256Hex(source).slice(0, 16)}-${source.split('/').pop()?.replace(/[^\w.-]/g, '_') || 'data'}`;
  const path = join(dir, name);
  const cached = await readFile(path).catch(() => undefined);
  if (cached && (!expectedSha256 || sha256Hex(cached) === expectedSha256.toLowerCase())) return cached.toString('utf8');

  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(source, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new ExptrackError(`download of ${source} failed: ${(error as Error).message}`, { code: 'unavailable', field: 'source', value: source, cause: error });
  }
  if (!response.ok) {
    throw new ExptrackError(`download of ${source} failed with HTTP ${response.status}`, {
      code: response.status === 404 ? 'not_found' : 'unavailable',
      field: 'source',
      value: source,
      retryable: response.status === 429 || response.status >= 500,
    });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const actual = sha256Hex(bytes);
  if (expectedSha256 && actual !== expectedSha256.toLowerCase()) {
    throw new ExptrackError(`sha256 of ${source} is ${actual}, expected ${expectedSha256}; the download was not kept`, {
      code: 'invalid_input',
      field: 'sha256',
      value: source,
    });
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, bytes);
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    if (!(await stat(path).catch(() => undefined))) throw error;
  }
  return Buffer.from(bytes).toString('utf8');
}
