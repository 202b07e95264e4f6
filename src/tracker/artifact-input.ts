/**
 * Turns what a training loop hands `logArtifact`, `logImage`, `logTable` and `logHistogram` into
 * checked records and blob sources. Files are hashed as streams, never read whole.
 * @module
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ArtifactFile, BlobSource, ImageMediaType } from '../core/artifacts.js';
import { ExptrackError, invalidInput } from '../core/errors.js';
import type { JsonValue } from '../core/types.js';
import { assertJson, validateKey, validateStep } from '../core/validation.js';
import { hashFile } from '../capture/hash-path.js';
import { digestOfBytes, manifestDigest } from '../artifacts/digest.js';
import { digestOfFile } from '../artifacts/verify-copy.js';
import { imageType, MAX_IMAGE_BYTES } from './media-input.js';

/**
 * Options of `logArtifact`.
 *
 * @example
 * ```ts
 * await tracker.logArtifact('out/model.bin', { name: 'model', type: 'model', metadata: { params: 1.2e6 }, step: 1000 });
 * ```
 */
export interface ArtifactOptions {
  /** @defaultValue the file or directory name */
  name?: string;
  /** A free label: `model`, `dataset`, `predictions`. */
  type?: string;
  metadata?: Record<string, JsonValue>;
  step?: number;
}

/** How many files of a directory are hashed at once. */
const HASH_CONCURRENCY = 4;

/** A checked artifact, hashed, before a version is given to it. */
export interface PreparedArtifact {
  name: string;
  kind: 'file' | 'directory';
  type: string | null;
  metadata: Record<string, JsonValue>;
  step: number | null;
  digest: string;
  size: number;
  files: ArtifactFile[];
  sources: BlobSource[];
}

/**
 * Checks `logArtifact`'s options and hashes the file, or every regular file of the directory
 * (streamed, never read whole). Node-only.
 *
 * @param path - a file or a directory
 * @param options - name, type, metadata and step
 * @returns the artifact's record and where its bytes come from
 * @example
 * ```ts
 * import { prepareArtifact } from 'exptrack/capture';
 * const { digest, size, files } = await prepareArtifact('out/model.bin', { type: 'model' });
 * ```
 */
export async function prepareArtifact(path: string, options: ArtifactOptions = {}): Promise<PreparedArtifact> {
  if (typeof path !== 'string' || path === '') throw invalidInput('path', path, 'must be the path of a file or directory');
  if (typeof options !== 'object' || options === null) throw invalidInput('options', options, 'must be an object');
  const absolute = resolve(path);
  const name = validateKey(options.name ?? basename(absolute), 'options.name');
  if (options.type !== undefined && typeof options.type !== 'string') throw invalidInput('options.type', options.type, 'must be a string');
  const metadata = options.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw invalidInput('options.metadata', metadata, 'must be an object');
  assertJson(metadata, 'options.metadata');
  const step = options.step === undefined ? null : validateStep(options.step, 'options.step');
  const info = await stat(absolute).catch((cause: unknown) => {
    throw new ExptrackError(`logArtifact: no such file or directory: ${path}`, { code: 'not_found', field: 'path', value: path, cause });
  });
  const common = { name, type: options.type ?? null, metadata: structuredClone(metadata), step };
  if (info.isFile()) {
    const { digest, size } = await digestOfFile(absolute);
    return { ...common, kind: 'file', digest, size, files: [{ path: basename(absolute), digest, size }], sources: [{ digest, size, path: absolute }] };
  }
  if (!info.isDirectory()) throw invalidInput('path', path, 'must be a regular file or a directory');
  const entries = await listFiles(absolute);
  if (entries.length === 0) throw invalidInput('path', path, 'is a directory with no files');
  const files: ArtifactFile[] = new Array(entries.length);
  const sources = new Map<string, BlobSource>();
  let next = 0;
  const worker = async () => {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    while (next < entries.length) {
      const index = next++;
      const entry = entries[index]!;
      const { sha256, size } = await hashFile(entry.absolute, buffer);
      const digest = `sha256:${sha256}`;
      files[index] = { path: entry.relative, digest, size };
      if (!sources.has(digest)) sources.set(digest, { digest, size, path: entry.absolute });
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, entries.length) }, worker));
  return { ...common, kind: 'directory', digest: manifestDigest(files), size: files.reduce((sum, f) => sum + f.size, 0), files, sources: [...sources.values()] };
}

/** Regular files under a directory (symlinks followed to regular files), by relative posix path in byte order. */
async function listFiles(root: string): Promise<Array<{ relative: string; absolute: string }>> {
  const out: Array<{ relative: string; absolute: string }> = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const children: Dirent[] = await readdir(dir, { withFileTypes: true });
    for (const child of children) {
      const absolute = join(dir, child.name);
      const relative = prefix === '' ? child.name : `${prefix}/${child.name}`;
      if (child.isDirectory()) await walk(absolute, relative);
      else if (child.isFile()) out.push({ relative, absolute });
      else if (child.isSymbolicLink() && (await stat(absolute).catch(() => undefined))?.isFile()) out.push({ relative, absolute });
    }
  };
  await walk(root, '');
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.relative), Buffer.from(b.relative)));
}

/**
 * The image's bytes (read from a path when given one), what kind of image they are (PNG or JPEG, by
 * signature) and their digest: what `tracker.logImage` stores. Node-only (it may read a file).
 *
 * @param image - PNG or JPEG bytes, or a path to such a file
 * @returns the bytes, the media type and the `sha256:` digest
 * @example
 * ```ts
 * import { prepareImage } from 'exptrack/capture';
 * const { mediaType, digest } = await prepareImage('out/sample.png');
 * ```
 */
export async function prepareImage(image: Uint8Array | string): Promise<{ bytes: Uint8Array; mediaType: ImageMediaType; digest: string }> {
  let bytes: Uint8Array;
  if (typeof image === 'string') {
    const info = await stat(image).catch((cause: unknown) => {
      throw new ExptrackError(`logImage: no such file: ${image}`, { code: 'not_found', field: 'image', value: image, cause });
    });
    if (!info.isFile() || info.size > MAX_IMAGE_BYTES) throw invalidInput('image', image, `must be a PNG or JPEG file of at most ${MAX_IMAGE_BYTES} bytes`);
    bytes = await readFile(image);
  } else if (image instanceof Uint8Array) {
    if (image.byteLength > MAX_IMAGE_BYTES) throw invalidInput('image', `${image.byteLength} bytes`, `must be at most ${MAX_IMAGE_BYTES} bytes`);
    bytes = Uint8Array.from(image);
  } else {
    throw invalidInput('image', image, 'must be PNG or JPEG bytes (a Uint8Array) or the path of such a file');
  }
  const mediaType = imageType(bytes);
  if (!mediaType) throw invalidInput('image', typeof image === 'string' ? image : `${bytes.byteLength} bytes`, 'must be a PNG or a JPEG (its first bytes are neither signature)');
  return { bytes, mediaType, digest: digestOfBytes(bytes) };
}

