/**
 * The bytes of exported artifacts and images: copied from a store into a content-addressed
 * directory beside the export (`<dir>/sha256/ab/cdef…`), and read back from there on import.
 * @module
 */
import { stat } from 'node:fs/promises';
import type { ArtifactReader, BlobSource, MediaRecord } from '../../core/artifacts.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import { DirectoryBlobStore } from '../../artifacts/directory-blob-store.js';
import { checkDigest } from '../../artifacts/check-digest.js';
import type { ExportedArtifact, ExptrackExport } from './export-format.js';
import type { ExportLine } from './export-lines-format.js';

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
  const copier = new ExportBlobCopier(store, dir);
  for (const run of dump.experiments) {
    const id = String(run.experiment.id);
    for (const artifact of run.artifacts ?? []) await copier.copyArtifact(id, artifact);
    for (const media of run.media ?? []) await copier.copyMedia(id, media);
  }
  return copier.copied;
}

/**
 * Copies the bytes of the artifacts and images of a JSON Lines export (see `exportLines`) into a
 * directory while the lines are written, content-addressed and checked like
 * {@link exportArtifactBlobs}; `importExportFile` with `artifactsDir` reads them back.
 *
 * @example
 * ```ts
 * import { exportLines, ExportBlobCopier } from 'exptrack/analysis';
 * const blobs = new ExportBlobCopier(store, 'runs.jsonl.artifacts');
 * for await (const line of exportLines(store)) {
 *   out.write(JSON.stringify(line) + '\n');
 *   await blobs.add(line);
 * }
 * blobs.copied; // { blobs: 3, bytes: 4194304 }
 * ```
 */
export class ExportBlobCopier {
  /** Blobs and bytes written so far (blobs already in the directory are not counted). */
  readonly copied: ExportedBlobs = { blobs: 0, bytes: 0 };
  private readonly target: DirectoryBlobStore;
  private experimentId: string | undefined;

  /**
   * @param store - the store the export is made from
   * @param dir - the directory (created when missing)
   * @throws ExptrackError `unsupported` when the store keeps no artifacts
   */
  constructor(
    private readonly store: ArtifactReader & { capabilities?: { artifacts?: boolean } },
    dir: string,
  ) {
    if (store.capabilities?.artifacts !== true) throw new ExptrackError('this store keeps no artifacts', { code: 'unsupported', field: 'store' });
    this.target = new DirectoryBlobStore(dir);
  }

  /**
   * Copies the bytes a line names (artifact files, images); other lines only say whose they are.
   * @param line - the next line of the export, in order
   * @throws ExptrackError `not_found` when a blob is missing from the store
   */
  async add(line: ExportLine): Promise<void> {
    if (line.type === 'experiment') this.experimentId = String(line.experiment.id);
    else if (line.type === 'artifact' && this.experimentId !== undefined) await this.copyArtifact(this.experimentId, line.artifact);
    else if (line.type === 'media' && this.experimentId !== undefined) await this.copyMedia(this.experimentId, line.media);
  }

  /** @internal */
  async copyArtifact(id: string, artifact: ExportedArtifact): Promise<void> {
    for (const file of artifact.files) {
      if (await this.target.has(file.digest)) continue;
      const chunks = await this.store.readArtifactStream(id, artifact.name, { version: artifact.version, file: file.path });
      if (await this.target.putStream(file.digest, file.size, chunks)) this.count(file.size);
    }
  }

  /** @internal */
  async copyMedia(id: string, media: MediaRecord): Promise<void> {
    if (media.kind !== 'image' || (await this.target.has(media.digest))) return;
    const bytes = await this.store.readMedia(id, media.key, { step: media.step });
    if (await this.target.putStream(media.digest, media.size, (async function* () { yield bytes; })())) this.count(media.size);
  }

  private count(size: number): void {
    this.copied.blobs++;
    this.copied.bytes += size;
  }
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
