/**
 * Where the tracking server keeps blobs a client uploaded (`PUT /api/v1/blobs/:digest`) until the
 * batch that names them is written into the store: one file per digest in a directory of the
 * server's own, written to a temporary name while it is hashed and renamed only when its digest
 * is the one in the URL. The store copies a staged blob in as it does a logged file. Staged blobs
 * are removed after `ttlMs` (a client uploads a batch's blobs just before the batch) and when the
 * server stops.
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExptrackError, type BlobSource } from 'exptrack';
import { HttpError } from './http.js';

/** The largest image an ingested media event may name (the tracker's own limit). */
const MAX_IMAGE_BYTES = 32 * 1024 * 1024;

/**
 * A directory of uploaded blobs.
 *
 * @example
 * ```ts
 * const staging = await BlobStaging.create({ maxBlobBytes: 8 * 2 ** 30 });
 * await staging.receive('sha256:…', req);
 * ```
 */
export class BlobStaging {
  private lastSweep = Date.now();

  private constructor(
    readonly dir: string,
    readonly maxBlobBytes: number,
    private readonly ttlMs: number,
    private readonly owned: boolean,
  ) {}

  /**
   * Opens a staging directory: `dir`, or a fresh one under the system's temporary directory
   * (removed by {@link close}).
   *
   * @param options - the largest blob accepted, how long a staged blob is kept, the directory
   * @returns the staging area
   */
  static async create(options: { maxBlobBytes: number; ttlMs?: number; dir?: string }): Promise<BlobStaging> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'exptrack-server-blobs-')));
    if (options.dir !== undefined) await mkdir(dir, { recursive: true });
    return new BlobStaging(dir, options.maxBlobBytes, options.ttlMs ?? 3_600_000, options.dir === undefined);
  }

  private pathOf(digest: string): string {
    return join(this.dir, digest.slice('sha256:'.length));
  }

  /**
   * Receives a blob's bytes, hashed as they arrive; at most {@link maxBlobBytes}.
   *
   * @param digest - the digest the bytes must have (checked, well formed)
   * @param body - the request body
   * @returns whether the blob was new (false: it was staged already; the body is not read)
   * @throws HttpError 413 past the size limit, 400 when the bytes are not the digest's
   */
  async receive(digest: string, body: AsyncIterable<Buffer> & NodeJS.ReadableStream, declaredLength: number | undefined): Promise<boolean> {
    await this.sweep();
    if (declaredLength !== undefined && declaredLength > this.maxBlobBytes) throw new HttpError(413, `the blob is larger than ${this.maxBlobBytes} bytes (the server's --max-blob-bytes)`);
    const target = this.pathOf(digest);
    if (await exists(target)) {
      const now = new Date();
      await utimes(target, now, now).catch(() => undefined); // kept another time to live
      return false;
    }
    const temp = join(this.dir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const limit = this.maxBlobBytes;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > limit) return done(new HttpError(413, `the blob is larger than ${limit} bytes (the server's --max-blob-bytes)`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, hashing, createWriteStream(temp, { flags: 'wx' }));
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw new HttpError(400, `the uploaded bytes are ${got} (${size} bytes), not ${digest}`);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return true;
  }

  /**
   * Whether a blob is staged (uploaded, waiting for its batch).
   *
   * @param digest - the blob (well formed)
   * @param size - when given, the staged file must have this size
   */
  async has(digest: string, size?: number): Promise<boolean> {
    const info = await stat(this.pathOf(digest)).catch(() => undefined);
    return info?.isFile() === true && (size === undefined || info.size === size);
  }

  /**
   * The source of a staged blob for a store's write.
   *
   * @param digest - the blob
   * @param size - its size as the event names it
   * @param field - the event field, for the error
   * @throws ExptrackError `invalid_input` naming `field` when the blob was not uploaded (or is of another size)
   */
  async source(digest: string, size: number, field: string): Promise<BlobSource & { path: string }> {
    const path = this.pathOf(digest);
    if (!(await this.has(digest, size))) {
      throw new ExptrackError(`blob ${digest} of ${size} bytes was not uploaded: PUT its bytes to /api/v1/blobs/${digest} before the batch that names it`, { code: 'invalid_input', field, value: digest });
    }
    return { digest, size, path };
  }

  /**
   * The bytes of a staged image.
   *
   * @throws ExptrackError `invalid_input` as {@link source}, and for an image larger than 32 MiB
   */
  async imageBytes(digest: string, size: number, field: string): Promise<Uint8Array> {
    if (size > MAX_IMAGE_BYTES) throw new ExptrackError(`an image is at most ${MAX_IMAGE_BYTES} bytes`, { code: 'invalid_input', field, value: size });
    return readFile((await this.source(digest, size, field)).path);
  }

  /** Removes staged blobs older than the time to live (at most once a minute). */
  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > this.ttlMs) await rm(path, { force: true });
    }
  }

  /** Removes the directory when this staging area made it. */
  async close(): Promise<void> {
    if (this.owned) await rm(this.dir, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true;
}
