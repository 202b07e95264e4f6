/**
 * Blobs as files of a directory: `<root>/sha256/ab/cdef…`, each written to `<root>/tmp/` first and
 * renamed into place, so a crash never leaves a half blob under its name.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobSource } from '../core/artifacts.js';
import type { BlobInfo, BlobStore } from './blob-store.js';
import { checkDigest } from './check-digest.js';
import { checkCopy, digestOfFile, missingBlob, verifiedChunks, verifyChunks } from './verify-copy.js';

/** A {@link BlobStore} in a directory. */
export class DirectoryBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  /** Where a blob lives: the hex digest split after two digits. */
  pathOf(digest: string): string {
    const hex = checkDigest(digest).slice('sha256:'.length);
    return join(this.root, 'sha256', hex.slice(0, 2), hex.slice(2));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * A file source is copied by the kernel (`copyFile`: copy_file_range or a reflink, no bytes
   * through JavaScript), then the copy itself is hashed while it is flushed to disk: what becomes
   * visible under the digest is checked to be those bytes. Bytes in memory are streamed.
   */
  async put(source: BlobSource): Promise<boolean> {
    if ('bytes' in source) return this.putChunks(source.digest, () => verifiedChunks(source));
    return this.commit(source.digest, async (temp) => {
      await copyFile(source.path, temp, constants.COPYFILE_EXCL);
      const handle = await open(temp, 'r');
      try {
        const [copied] = await Promise.all([digestOfFile(temp), handle.datasync()]);
        checkCopy(copied, source, source.path);
      } finally {
        await handle.close();
      }
    });
  }

  /** Stores chunks read from anywhere (another store, an export) under `digest`, checked on the way. */
  async putStream(digest: string, size: number, chunks: AsyncIterable<Uint8Array>): Promise<boolean> {
    return this.putChunks(digest, () => verifyChunks(chunks, digest, size, digest));
  }

  private putChunks(digest: string, chunks: () => AsyncIterable<Uint8Array>): Promise<boolean> {
    return this.commit(digest, async (temp) => {
      await pipeline(Readable.from(chunks(), { objectMode: false }), createWriteStream(temp, { flags: 'wx' }));
      const handle = await open(temp, 'r');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
    });
  }

  /** Lets `write` fill (check and flush) a temporary file, then renames it to the blob's name. */
  private async commit(digest: string, write: (temp: string) => Promise<void>): Promise<boolean> {
    const target = this.pathOf(digest);
    if (await this.has(digest)) return false;
    const tmpDir = join(this.root, 'tmp');
    await Promise.all([mkdir(tmpDir, { recursive: true }), mkdir(join(target, '..'), { recursive: true })]);
    const temp = join(tmpDir, `${randomUUID()}.part`);
    try {
      await write(temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return true;
  }

  async read(digest: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(digest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlob(digest, 'directory');
      throw error;
    }
  }

  async stream(digest: string): Promise<AsyncIterable<Uint8Array>> {
    if (!(await this.has(digest))) throw missingBlob(digest, 'directory');
    return createReadStream(this.pathOf(digest), { highWaterMark: 1024 * 1024 });
  }

  async *list(): AsyncIterable<BlobInfo> {
    const base = join(this.root, 'sha256');
    let prefixes: string[];
    try {
      prefixes = await readdir(base);
    } catch {
      return;
    }
    for (const prefix of prefixes.sort()) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const rest of (await readdir(join(base, prefix))).sort()) {
        const digest = `sha256:${prefix}${rest}`;
        if (!/^sha256:[0-9a-f]{64}$/.test(digest)) continue;
        yield { digest, size: (await stat(join(base, prefix, rest))).size };
      }
    }
  }

  async delete(digest: string): Promise<void> {
    await unlink(this.pathOf(digest)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
