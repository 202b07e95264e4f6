/**
 * `hashPath`: the size and SHA-256 of a checkpoint file or directory.
 * @module
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

import { ExptrackError } from '../core/errors.js';

/** What {@link hashPath} reports. */
export interface PathHash {
  /** Bytes of content hashed (the file, or every regular file of the directory). */
  sizeBytes: number;
  /** Hex SHA-256: of the file, or of the directory's sorted listing (see {@link hashPath}). */
  sha256: string;
  /** Files hashed: 1 for a file. */
  fileCount: number;
}

/** Bytes read from a file at a time. */
const CHUNK_BYTES = 1024 * 1024;

/** How many files of a directory are read at once. */
const CONCURRENCY = 8;

/** One line of a directory listing before hashing. */
interface Entry {
  /** Relative posix path. */
  rel: string;
  /** Absolute path of the content to hash, or null for a symlink recorded by its target text. */
  file: string | null;
  /** The link text of a symlink that is not followed. */
  linkText?: string;
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

function fsError(error: unknown, path: string, what: string): ExptrackError {
  if (ExptrackError.is(error)) return error;
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ExptrackError(`${what}: no such file or directory: ${path}`, { code: 'not_found', field: 'path', value: path, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ExptrackError(`${what}: cannot read ${path}: ${message}`, { code: 'unavailable', field: 'path', value: path, cause: error, retryable: false });
}

/** Streams a file through SHA-256 with a caller-owned buffer (one per worker, so small files cost no allocation). */
async function hashFile(path: string, buffer: Buffer): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function listDirectory(root: string, caller: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    let children: Dirent[];
    try {
      children = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw fsError(error, dir, caller);
    }
    const subdirs: Promise<void>[] = [];
    for (const child of children) {
      const abs = join(dir, child.name);
      const rel = prefix === '' ? child.name : `${prefix}/${child.name}`;
      if (child.isDirectory()) {
        subdirs.push(walk(abs, rel));
      } else if (child.isFile()) {
        entries.push({ rel, file: abs });
      } else if (child.isSymbolicLink()) {
        try {
          entries.push(await symlinkEntry(root, abs, rel));
        } catch (error) {
          throw fsError(error, abs, caller);
        }
      }
      // Sockets, FIFOs and devices have no content to hash: skipped.
    }
    await Promise.all(subdirs);
  }
  await walk(root, '');
  return entries;
}

/** A symlink is hashed as its target's content when the target is a regular file inside the root. */
async function symlinkEntry(root: string, abs: string, rel: string): Promise<Entry> {
  const linkText = await readlink(abs);
  try {
    const target = await realpath(abs);
    if (isInside(root, target) && (await stat(target)).isFile()) return { rel, file: target };
  } catch {
    // A dangling link: recorded by its text.
  }
  return { rel, file: null, linkText };
}

function byteOrder(a: Entry, b: Entry): number {
  return Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel));
}

/**
 * Computes the size and SHA-256 of a file or directory, streaming the content.
 *
 * - A file: the SHA-256 of its bytes; `fileCount` is 1. A symlink given as `path` is followed.
 * - A directory: the SHA-256 of its listing, one line `<file sha256>  <relative posix path>\n` per
 *   file, sorted by path in byte order: the same text `sha256sum` prints, so
 *   `find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum` run inside the
 *   directory gives the same hash when it holds no symlinks.
 * - Symlinks inside a directory are followed only to a regular file inside that directory (it is then
 *   hashed as a file at the link's path). Any other link (to a directory, out of the directory, or
 *   dangling) is never followed: its line holds the SHA-256 of the link text, and it adds nothing to
 *   `sizeBytes` or `fileCount`. Sockets, FIFOs and devices are skipped.
 *
 * @param path - The file or directory.
 * @returns Total bytes hashed, the hex SHA-256 and the number of files.
 * @throws {@link ExptrackError} with code `not_found` (field `path`) when `path` does not exist,
 * `invalid_input` when it is neither a file nor a directory, `unavailable` when it cannot be read.
 *
 * @example
 * ```ts
 * import { hashPath } from 'exptrack';
 * const { sha256, sizeBytes, fileCount } = await hashPath('checkpoints/step-1000');
 * ```
 */
export async function hashPath(path: string): Promise<PathHash> {
  return hashPathFor('hashPath', path);
}

/**
 * {@link hashPath}, with errors that name the public operation that asked (`logCheckpoint: no
 * such file or directory: …`).
 *
 * @param caller - the operation the user called
 * @param path - the file or directory
 * @returns what {@link hashPath} returns
 * @internal
 */
export async function hashPathFor(caller: string, path: string): Promise<PathHash> {
  const abs = resolve(path);
  let info;
  try {
    info = await stat(abs);
  } catch (error) {
    throw fsError(error, path, caller);
  }
  if (info.isFile()) {
    try {
      const { sha256, size } = await hashFile(abs, Buffer.allocUnsafe(CHUNK_BYTES));
      return { sizeBytes: size, sha256, fileCount: 1 };
    } catch (error) {
      throw fsError(error, path, caller);
    }
  }
  if (!info.isDirectory()) {
    throw new ExptrackError(`${caller}: ${path} is neither a file nor a directory`, { code: 'invalid_input', field: 'path', value: path });
  }
  let root: string;
  try {
    root = await realpath(abs);
  } catch (error) {
    throw fsError(error, path, caller);
  }
  const entries = (await listDirectory(root, caller)).sort(byteOrder);
  const lines: string[] = new Array<string>(entries.length);
  let sizeBytes = 0;
  let fileCount = 0;
  let next = 0;
  async function worker(): Promise<void> {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    while (next < entries.length) {
      const index = next++;
      const entry = entries[index];
      if (entry === undefined) continue;
      if (entry.file === null) {
        const linkHash = createHash('sha256').update(entry.linkText ?? '').digest('hex');
        lines[index] = `${linkHash}  ${entry.rel}\n`;
        continue;
      }
      let result;
      try {
        result = await hashFile(entry.file, buffer);
      } catch (error) {
        throw fsError(error, join(path, entry.rel), caller);
      }
      sizeBytes += result.size;
      fileCount += 1;
      lines[index] = `${result.sha256}  ${entry.rel}\n`;
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  const sha256 = createHash('sha256').update(lines.join('')).digest('hex');
  return { sizeBytes, sha256, fileCount };
}
