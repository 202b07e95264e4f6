/**
 * Artifacts and media: the records a store keeps of files, images, tables and histograms logged to
 * a run, the events that carry them, and the read contract every artifact-capable store shares.
 * @module
 */
import type { JsonValue } from './types.js';

/**
 * One file of an artifact: its path inside the artifact (`model.bin` for a single file, a posix
 * path relative to the directory for a directory artifact), its SHA-256 and its size.
 *
 * @example
 * ```ts
 * const file: ArtifactFile = { path: 'weights/layer0.bin', digest: 'sha256:9f86…', size: 4096 };
 * ```
 */
export interface ArtifactFile {
  path: string;
  /** `sha256:` and 64 lowercase hex digits: the name of the blob that holds the bytes. */
  digest: string;
  size: number;
}

/**
 * What `tracker.logArtifact` returns: the version it made (or found, when the same bytes were
 * logged under the name before), its digest, total size and files.
 *
 * @example
 * ```ts
 * const logged: LoggedArtifact | undefined = await tracker.logArtifact('model.bin', { type: 'model' });
 * logged?.version; // 1
 * ```
 */
export interface LoggedArtifact {
  name: string;
  version: number;
  /** `sha256:…` of the file, or of the canonical manifest of a directory. */
  digest: string;
  size: number;
  files: ArtifactFile[];
}

/**
 * One version of an artifact as a store keeps it.
 *
 * @example
 * ```ts
 * const [model]: ArtifactRecord[] = await store.getArtifacts(id);
 * model; // { name: 'model', version: 2, kind: 'file', type: 'model', size: 4194304, ... }
 * ```
 */
export interface ArtifactRecord extends LoggedArtifact {
  experimentId: string;
  /** Whether a file or a directory was logged. */
  kind: 'file' | 'directory';
  type: string | null;
  metadata: Record<string, JsonValue>;
  step: number | null;
  createdAt: number;
}

/**
 * A run that consumed an artifact (`tracker.useArtifact`): lineage.
 *
 * @example
 * ```ts
 * const use: ArtifactUse = { experimentId: 'exp_b', sourceExperimentId: 'exp_a', name: 'model', version: 2, digest: 'sha256:…', usedAt: 1767225600000 };
 * ```
 */
export interface ArtifactUse {
  /** The run that used the artifact. */
  experimentId: string;
  /** The run that logged it. */
  sourceExperimentId: string;
  name: string;
  version: number;
  digest: string;
  usedAt: number;
}

/**
 * The lineage of one run: the artifacts it used, and the runs that used its artifacts.
 *
 * @example
 * ```ts
 * const { used, usedBy }: ArtifactLineage = await store.getArtifactLineage(id);
 * ```
 */
export interface ArtifactLineage {
  used: ArtifactUse[];
  usedBy: ArtifactUse[];
}

/**
 * The kinds of media logged per step.
 *
 * @example
 * ```ts
 * const kind: MediaKind = 'histogram';
 * ```
 */
export type MediaKind = 'image' | 'table' | 'histogram';

/**
 * A table logged with `tracker.logTable`: column names and rows of JSON cells.
 *
 * @example
 * ```ts
 * const table: TableValue = { columns: ['input', 'prediction'], rows: [['2+2', '4']] };
 * ```
 */
export interface TableValue {
  columns: string[];
  rows: JsonValue[][];
}

/**
 * A histogram as stored: `edges` has one more entry than `counts`; bin `i` holds the values in
 * `[edges[i], edges[i + 1])`, the last bin also its upper edge. Values that were NaN or ±Infinity
 * are counted in `nonFinite`, never binned.
 *
 * @example
 * ```ts
 * const h: HistogramValue = { edges: [0, 0.5, 1], counts: [3, 1], nonFinite: 0 };
 * ```
 */
export interface HistogramValue {
  edges: number[];
  counts: number[];
  nonFinite: number;
}

/**
 * One media item of a key at a step. Images carry no bytes here (read them with `readMedia`):
 * their media type, size and digest instead.
 *
 * @example
 * ```ts
 * const [first]: MediaRecord[] = await store.getMedia(id, 'samples');
 * first; // { key: 'samples', step: 0, kind: 'image', caption: 'epoch 0', mediaType: 'image/png', size: 812, digest: 'sha256:…' }
 * ```
 */
export type MediaRecord =
  | { key: string; step: number; kind: 'image'; caption?: string; mediaType: ImageMediaType; size: number; digest: string; createdAt: number }
  | { key: string; step: number; kind: 'table'; caption?: string; value: TableValue; createdAt: number }
  | { key: string; step: number; kind: 'histogram'; caption?: string; value: HistogramValue; createdAt: number };

/**
 * The image formats `logImage` accepts, recognised by their first bytes.
 *
 * @example
 * ```ts
 * const type: ImageMediaType = 'image/png';
 * ```
 */
export type ImageMediaType = 'image/png' | 'image/jpeg';

/**
 * A media key of a run with its kind and how many steps it has.
 *
 * @example
 * ```ts
 * const keys: MediaKey[] = await store.getMediaKeys(id); // [{ key: 'samples', kind: 'image', count: 10 }]
 * ```
 */
export interface MediaKey {
  key: string;
  kind: MediaKind;
  count: number;
}

/**
 * Where the bytes of a blob come from when an event is written: a file on disk (streamed, never
 * read whole) or bytes in memory. The digest and size were computed by the tracker; a store checks
 * them while copying.
 *
 * @example
 * ```ts
 * const source: BlobSource = { digest: 'sha256:…', size: 1024, path: '/tmp/model.bin' };
 * ```
 */
export type BlobSource = { digest: string; size: number; path: string } | { digest: string; size: number; bytes: Uint8Array };

/**
 * The events that carry artifacts and media through the tracker's fan-out. `sources` and `bytes`
 * are the content; a store keeps them in its blob store and the rest as rows.
 *
 * @example
 * ```ts
 * const event: ArtifactEvent = { type: 'artifact_used', experimentId: 'exp_b', use };
 * ```
 */
export type ArtifactEvent =
  | { type: 'artifact'; experimentId: string; artifact: ArtifactRecord; sources: readonly BlobSource[] }
  | { type: 'artifact_used'; experimentId: string; use: ArtifactUse }
  | { type: 'media'; experimentId: string; media: MediaRecord; bytes?: Uint8Array };

/**
 * Options of {@link ArtifactReader.readArtifact}: which version (latest by default) and, for a
 * directory artifact, which file.
 *
 * @example
 * ```ts
 * await store.readArtifact(id, 'checkpoint', { version: 2, file: 'config.json' });
 * ```
 */
export interface ReadArtifactOptions {
  version?: number;
  file?: string;
}

/**
 * What {@link ArtifactReader.collectGarbage} found or deleted: blobs no artifact or image refers to,
 * and (on stores that write a blob in pieces) the pieces of uploads whose writer is gone.
 *
 * @example
 * ```ts
 * const { blobs, bytes, abandoned } = await store.collectGarbage({ dryRun: true });
 * ```
 */
export interface GarbageReport {
  blobs: number;
  /** The bytes of those blobs. */
  bytes: number;
  digests: string[];
  deleted: boolean;
  /**
   * Postgres chunk store only: uploads a crashed writer left unfinished (chunks of no blob, whose
   * writer's connection is gone) and their bytes, not counted in `bytes`.
   */
  abandoned?: { uploads: number; bytes: number };
}

/**
 * The read side of artifacts and media, which every store with `capabilities.artifacts` implements.
 *
 * @example
 * ```ts
 * const [model] = await store.getArtifacts(id);
 * const bytes = await store.readArtifact(id, model.name);
 * for await (const chunk of await store.readArtifactStream(id, model.name)) process.stdout.write(chunk);
 * const steps = await store.getMedia(id, 'samples');
 * const png = await store.readMedia(id, 'samples', { step: steps[0].step });
 * ```
 */
export interface ArtifactReader {
  /** Every version of every artifact of the run, by name then version. */
  getArtifacts(experimentId: string): Promise<ArtifactRecord[]>;
  /**
   * The bytes of an artifact's file: the latest version unless `version`; `file` picks one file of
   * a directory artifact (required for one with several files).
   * @throws ExptrackError `not_found` for an unknown run, name, version or file; `invalid_input`
   *   when a directory artifact has several files and no `file` was given.
   */
  readArtifact(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<Uint8Array>;
  /** The same bytes as {@link ArtifactReader.readArtifact}, in chunks, for files too large for memory. */
  readArtifactStream(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<AsyncIterable<Uint8Array>>;
  /** What the run used and who used what it logged. */
  getArtifactLineage(experimentId: string): Promise<ArtifactLineage>;
  /** The media of a key, by step. */
  getMedia(experimentId: string, key: string): Promise<MediaRecord[]>;
  /** The media keys of a run. */
  getMediaKeys(experimentId: string): Promise<MediaKey[]>;
  /**
   * The bytes of the image logged under `key` at `step`.
   * @throws ExptrackError `not_found` when there is no image there.
   */
  readMedia(experimentId: string, key: string, options: { step: number }): Promise<Uint8Array>;
  /** Finds (and unless `dryRun`, deletes) blobs no artifact or image of any run refers to. */
  collectGarbage(options?: { dryRun?: boolean }): Promise<GarbageReport>;
  /**
   * Whether the store's blob store holds the bytes of `digest` (`sha256:` and 64 lowercase hex
   * digits): a tracking server asks before a client uploads a blob, so bytes the store has are
   * not sent again. Optional: a store without it is treated as holding nothing.
   * @throws ExptrackError `invalid_input` naming `digest` when it is not well formed.
   * @example
   * ```ts
   * const [model] = await store.getArtifacts(id);
   * if (store.hasBlob && (await store.hasBlob(model.digest))) console.log('the bytes are stored');
   * ```
   */
  hasBlob?(digest: string): Promise<boolean>;
}
