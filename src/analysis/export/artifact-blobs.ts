/**
 * The bytes of exported artifacts and images: copied from a store into a content-addressed
 * directory beside the export (`<dir>/sha256/ab/cdef…`), and read back from there on import.
 * @module
 */
import { stat } from 'node:fs/promises';
import type { ArtifactReader, BlobSource } from '../../core/artifacts.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import { DirectoryBlobStore } from '../../artifacts/directory-blob-store.js';
import { checkDigest } from '../../artifacts/digest.js';
import type { ExptrackExport } from './export-format.js';

/**
 * What {@link exportArtifactBlobs} copied.
 *
 * @example
 * ```ts
 * const copied: ExportedBlobs = { blobs: 3, bytes: 4194304 };
 * ```
 */
export interface ExportedBlobs {
  /** Blobs written (blobs already in the directory are not counted). */
  blobs: number;
  bytes: number;
}

/**
 * Copies the bytes of every artifact file and image of an export out of the store into `dir`,
 * content-addressed, each streamed and checked against its digest (a 1 GB file is never in
 * memory). {@link importExperiments} with `artifactsDir` reads them back.
 *
 * @param store - the store the export was made from
 * @param dump - the export
 * @param dir - the directory (created when missing)
 * @returns how many blobs and bytes were written
 * @throws ExptrackError `unsupported` when the store keeps no artifacts; `not_found` when a blob is missing
 *
 * @example
 * ```ts
 * import { exportAll, exportArtifactBlobs } from 'exptrack/analysis';
 * const dump = await exportAll(store);
 * await exportArtifactBlobs(store, dump, 'runs.json.artifacts');
 * ```
 */
export async function exportArtifactBlobs(store: ArtifactReader & { capabilities?: { artifacts?: boolean } }, dump: ExptrackExport, dir: string): Promise<ExportedBlobs> {
  if (store.capabilities?.artifacts !== true) throw new ExptrackError('this store keeps no artifacts', { code: 'unsupported', field: 'store' });
  const target = new DirectoryBlobStore(dir);
  const copied: ExportedBlobs = { blobs: 0, bytes: 0 };
  for (const run of dump.experiments) {
    const id = String(run.experiment.id);
    for (const artifact of run.artifacts ?? []) {
      for (const file of artifact.files) {
        if (await target.has(file.digest)) continue;
        const chunks = await store.readArtifactStream(id, artifact.name, { version: artifact.version, file: file.path });
        if (await target.putStream(file.digest, file.size, chunks)) {
          copied.blobs++;
          copied.bytes += file.size;
        }
      }
    }
    for (const media of run.media ?? []) {
      if (media.kind !== 'image' || (await target.has(media.digest))) continue;
      const bytes = await store.readMedia(id, media.key, { step: media.step });
      if (await target.putStream(media.digest, media.size, (async function* () { yield bytes; })())) {
        copied.blobs++;
        copied.bytes += media.size;
      }
    }
  }
  return copied;
}

/** Where an import finds a blob of the export, checked to exist with the size the export says. */
export async function blobSourceIn(dir: string, digest: unknown, size: unknown, field: string): Promise<BlobSource> {
  const checked = checkDigest(digest, field);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalidInput(`${field}.size`, size, 'must be an integer >= 0');
  const path = new DirectoryBlobStore(dir).pathOf(checked);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() || info.size !== size) {
    throw new ExptrackError(`the export's artifact directory ${dir} lacks blob ${checked} (${size} bytes); export again with --artifacts`, { code: 'not_found', field, value: checked });
  }
  return { digest: checked, size, path };
}
