/**
 * Blobs as objects of an S3-compatible bucket (AWS S3, MinIO, R2, GCS interop) through the AWS SDK
 * v3 client, which is an optional peer dependency loaded only when this store is first used.
 * Objects are `<prefix>sha256/ab/cdef…`; large blobs go up in parts of 8 MiB, four at a time, each
 * read from the file straight into one of five reused buffers (40 MiB) and hashed on the way, so
 * memory stays flat whatever the size.
 * @module
 */
import { open } from 'node:fs/promises';
import type { BlobSource } from '../core/artifacts.js';
import { ExptrackError } from '../core/errors.js';
import type { BlobInfo, BlobStore } from './blob-store.js';
import { checkDigest } from './check-digest.js';
import { digestOf, newHash } from './digest.js';
import { checkCopy, missingBlob, verifiedChunks } from './verify-copy.js';

/**
 * Where the S3 blobs of a store live.
 *
 * @example
 * ```ts
 * const s3: S3ArtifactConfig = { bucket: 'ml-artifacts', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true,
 *   credentials: { accessKeyId: 'minio', secretAccessKey: 'minio123' } };
 * ```
 */
export interface S3ArtifactConfig {
  bucket: string;
  /** @defaultValue `'us-east-1'` */
  region?: string;
  /** The server, for anything but AWS itself: `http://127.0.0.1:9000` (MinIO), an R2 or GCS endpoint. */
  endpoint?: string;
  /** Bucket in the path rather than the host name (MinIO and most local servers need it). @defaultValue true when `endpoint` is given */
  forcePathStyle?: boolean;
  /** @defaultValue the SDK's default chain (environment, shared files, instance roles) */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Prepended to every object key, e.g. `exptrack/`. @defaultValue `''` */
  prefix?: string;
}

/** The part size of multipart uploads (S3 wants at least 5 MiB for every part but the last). */
const PART_BYTES = 8 * 1024 * 1024;

/** How many parts of one multipart upload are sent at once (memory: about this many parts). */
const PART_CONCURRENCY = 4;

/** The few client methods used, described locally so that nobody needs the SDK's types to compile. */
interface S3Client {
  send(command: unknown): Promise<Record<string, unknown>>;
  destroy(): void;
}
type CommandClass = new (input: Record<string, unknown>) => unknown;
interface S3Module {
  S3Client: new (config: Record<string, unknown>) => S3Client;
  HeadObjectCommand: CommandClass;
  PutObjectCommand: CommandClass;
  GetObjectCommand: CommandClass;
  DeleteObjectCommand: CommandClass;
  ListObjectsV2Command: CommandClass;
  CreateMultipartUploadCommand: CommandClass;
  UploadPartCommand: CommandClass;
  CompleteMultipartUploadCommand: CommandClass;
  AbortMultipartUploadCommand: CommandClass;
}

/** A {@link BlobStore} in an S3 bucket. */
export class S3BlobStore implements BlobStore {
  private loaded: Promise<{ sdk: S3Module; client: S3Client }> | undefined;
  private readonly prefix: string;

  constructor(private readonly config: S3ArtifactConfig) {
    if (typeof config?.bucket !== 'string' || config.bucket === '') throw new ExptrackError('artifacts.s3 needs a bucket', { code: 'invalid_input', field: 'artifacts.s3.bucket', value: config?.bucket });
    this.prefix = config.prefix ?? '';
  }

  private keyOf(digest: string): string {
    const hex = checkDigest(digest).slice('sha256:'.length);
    return `${this.prefix}sha256/${hex.slice(0, 2)}/${hex.slice(2)}`;
  }

  private client(): Promise<{ sdk: S3Module; client: S3Client }> {
    this.loaded ??= import('@aws-sdk/client-s3').then(
      (module) => {
        const sdk = module as unknown as S3Module;
        const { bucket: _, prefix: __, ...connection } = this.config;
        const client = new sdk.S3Client({
          region: 'us-east-1',
          forcePathStyle: this.config.endpoint !== undefined,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          ...connection,
        });
        return { sdk, client };
      },
      (cause: unknown) => {
        this.loaded = undefined;
        throw new ExptrackError('artifacts.s3 needs the AWS SDK: npm install @aws-sdk/client-s3', { code: 'unsupported', field: 'artifacts.s3', cause });
      },
    );
    return this.loaded;
  }

  async has(digest: string): Promise<boolean> {
    const { sdk, client } = await this.client();
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(digest) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw s3Error(error, 'HeadObject');
    }
  }

  async put(source: BlobSource): Promise<boolean> {
    const key = this.keyOf(source.digest);
    if (await this.has(source.digest)) return false;
    const { sdk, client } = await this.client();
    const Bucket = this.config.bucket;
    if (source.size <= PART_BYTES) {
      const parts: Uint8Array[] = [];
      for await (const chunk of verifiedChunks(source)) parts.push(chunk);
      await client.send(new sdk.PutObjectCommand({ Bucket, Key: key, Body: Buffer.concat(parts) })).catch((e: unknown) => {
        throw s3Error(e, 'PutObject');
      });
      return true;
    }
    const created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key: key })).catch((e: unknown) => {
      throw s3Error(e, 'CreateMultipartUpload');
    });
    const UploadId = created.UploadId as string;
    const done: Array<{ ETag: unknown; PartNumber: number }> = [];
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    // Up to PART_CONCURRENCY parts travel at once while the next is read and hashed. A part's
    // buffer goes back to the pool when the part is sent, so memory is the pool's whatever the size.
    const start = async (body: Uint8Array, PartNumber: number, release: () => void) => {
      if (failure !== undefined) throw failure;
      const task: Promise<void> = client.send(new sdk.UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body: body })).then(
        (reply) => {
          done.push({ ETag: reply.ETag, PartNumber });
          inFlight.delete(task);
          release();
        },
        (error: unknown) => {
          inFlight.delete(task);
          release();
          failure ??= error;
        },
      );
      inFlight.add(task);
      while (inFlight.size >= PART_CONCURRENCY) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
    };
    try {
      const parts = 'path' in source ? fileParts(source) : byteParts(source);
      for await (const part of parts) await start(part.body, part.number, part.release);
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      done.sort((a, b) => a.PartNumber - b.PartNumber);
      // The source was checked (the parts ended) before the object becomes visible here.
      await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: done } }));
    } catch (error) {
      await Promise.allSettled(inFlight);
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key: key, UploadId })).catch(() => undefined);
      throw ExptrackError.is(error) ? error : s3Error(error, 'UploadPart');
    }
    return true;
  }

  async read(digest: string): Promise<Uint8Array> {
    const parts: Buffer[] = [];
    for await (const chunk of await this.stream(digest)) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  async stream(digest: string): Promise<AsyncIterable<Uint8Array>> {
    const { sdk, client } = await this.client();
    try {
      const reply = await client.send(new sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(digest) }));
      return reply.Body as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (isNotFound(error)) throw missingBlob(digest, 's3');
      throw s3Error(error, 'GetObject');
    }
  }

  async *list(): AsyncIterable<BlobInfo> {
    const { sdk, client } = await this.client();
    let ContinuationToken: string | undefined;
    const base = `${this.prefix}sha256/`;
    do {
      const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: base, ContinuationToken })).catch((e: unknown) => {
        throw s3Error(e, 'ListObjectsV2');
      });
      for (const object of (page.Contents ?? []) as Array<{ Key?: string; Size?: number }>) {
        const digest = `sha256:${(object.Key ?? '').slice(base.length).replace('/', '')}`;
        if (/^sha256:[0-9a-f]{64}$/.test(digest)) yield { digest, size: Number(object.Size ?? 0) };
      }
      ContinuationToken = page.IsTruncated ? (page.NextContinuationToken as string) : undefined;
    } while (ContinuationToken);
  }

  async delete(digest: string): Promise<void> {
    const { sdk, client } = await this.client();
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(digest) })).catch((e: unknown) => {
      throw s3Error(e, 'DeleteObject');
    });
  }

  /** Releases the client's sockets. */
  async close(): Promise<void> {
    const loaded = await this.loaded?.catch(() => undefined);
    loaded?.client.destroy();
    this.loaded = undefined;
  }
}

/** One part of a multipart upload; `release` gives its buffer back once it is sent. */
interface Part {
  number: number;
  body: Uint8Array;
  release: () => void;
}

/**
 * The parts of a file, each read straight into one of PART_CONCURRENCY + 1 buffers of PART_BYTES
 * (the one being read and those in flight) and hashed; a part waits for a free buffer. After the
 * last part, throws when the bytes are not the ones the digest and size name.
 */
async function* fileParts(source: { digest: string; size: number; path: string }): AsyncGenerator<Part> {
  const free: Buffer[] = Array.from({ length: PART_CONCURRENCY + 1 }, () => Buffer.allocUnsafe(PART_BYTES));
  let wake: (() => void) | undefined;
  const hash = newHash();
  let size = 0;
  const handle = await open(source.path, 'r');
  try {
    for (let number = 1; ; number++) {
      while (free.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const buffer = free.pop()!;
      let filled = 0;
      while (filled < PART_BYTES) {
        const { bytesRead } = await handle.read(buffer, filled, PART_BYTES - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled === 0) {
        free.push(buffer);
        break;
      }
      const body = buffer.subarray(0, filled);
      hash.update(body);
      size += filled;
      yield {
        number,
        body,
        release: () => {
          free.push(buffer);
          wake?.();
          wake = undefined;
        },
      };
      if (filled < PART_BYTES) break;
    }
  } finally {
    await handle.close();
  }
  checkCopy({ digest: digestOf(hash), size }, source, source.path);
}

/** The parts of bytes in memory: views of them, no copy, checked like a file's. */
async function* byteParts(source: { digest: string; size: number; bytes: Uint8Array }): AsyncGenerator<Part> {
  const { bytes } = source;
  checkCopy({ digest: digestOf(newHash().update(bytes)), size: bytes.byteLength }, source, 'bytes');
  for (let at = 0, number = 1; at < bytes.byteLength; at += PART_BYTES, number++) {
    yield { number, body: bytes.subarray(at, at + PART_BYTES), release: () => undefined };
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function s3Error(error: unknown, operation: string): ExptrackError {
  if (ExptrackError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ExptrackError(`s3 ${operation} failed: ${message}`, { code: 'unavailable', backend: 's3', cause: error });
}
