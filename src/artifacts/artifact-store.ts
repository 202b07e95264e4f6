/**
 * The artifact read contract written once: a store supplies its rows (an {@link ArtifactIndex}) and
 * its bytes (a {@link BlobStore}); this answers every {@link ArtifactReader} method from them.
 * @module
 */
import type {
  ArtifactLineage,
  ArtifactReader,
  ArtifactRecord,
  GarbageReport,
  MediaKey,
  MediaRecord,
  ReadArtifactOptions,
} from '../core/artifacts.js';
import type { TrackerEvent } from '../core/backend.js';
import { ExptrackError } from '../core/errors.js';
import type { BlobStore } from './blob-store.js';
import { checkDigest } from './check-digest.js';

/** The rows side of an artifact store: what each backend reads from its tables. */
export interface ArtifactIndex {
  /** Every version of every artifact of a run, by name then version. */
  artifacts(experimentId: string): Promise<ArtifactRecord[]>;
  lineage(experimentId: string): Promise<ArtifactLineage>;
  /** The media of a key, by step. */
  media(experimentId: string, key: string): Promise<MediaRecord[]>;
  mediaKeys(experimentId: string): Promise<MediaKey[]>;
  /** Every digest an artifact file or an image of any run refers to. */
  referencedDigests(): Promise<Set<string>>;
}

/** Answers {@link ArtifactReader} from an index and a blob store. */
export class ArtifactStore implements ArtifactReader {
  constructor(
    private readonly index: ArtifactIndex,
    readonly blobs: BlobStore,
  ) {}

  /** Puts the bytes of a batch's artifact and image events into the blob store, one blob at a time. */
  async storeContent(events: readonly TrackerEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'artifact') for (const source of event.sources) await this.blobs.put(source);
      else if (event.type === 'media' && event.bytes !== undefined && event.media.kind === 'image') {
        await this.blobs.put({ digest: event.media.digest, size: event.media.size, bytes: event.bytes });
      }
    }
  }

  getArtifacts(experimentId: string): Promise<ArtifactRecord[]> {
    return this.index.artifacts(experimentId);
  }

  async readArtifact(experimentId: string, name: string, options: ReadArtifactOptions = {}): Promise<Uint8Array> {
    return this.blobs.read(await this.fileDigest(experimentId, name, options));
  }

  async readArtifactStream(experimentId: string, name: string, options: ReadArtifactOptions = {}): Promise<AsyncIterable<Uint8Array>> {
    return this.blobs.stream(await this.fileDigest(experimentId, name, options));
  }

  getArtifactLineage(experimentId: string): Promise<ArtifactLineage> {
    return this.index.lineage(experimentId);
  }

  getMedia(experimentId: string, key: string): Promise<MediaRecord[]> {
    return this.index.media(experimentId, key);
  }

  getMediaKeys(experimentId: string): Promise<MediaKey[]> {
    return this.index.mediaKeys(experimentId);
  }

  async readMedia(experimentId: string, key: string, options: { step: number }): Promise<Uint8Array> {
    const step = options?.step;
    const item = (await this.index.media(experimentId, key)).find((m) => m.step === step);
    if (!item || item.kind !== 'image') {
      throw new ExptrackError(`run ${experimentId} has no image "${key}" at step ${String(step)}`, { code: 'not_found', field: 'step', value: step });
    }
    return this.blobs.read(item.digest);
  }

  /** Whether the blob store holds `digest` (checked to be well formed first). */
  async hasBlob(digest: string): Promise<boolean> {
    return this.blobs.has(checkDigest(digest));
  }

  async collectGarbage(options: { dryRun?: boolean } = {}): Promise<GarbageReport> {
    const referenced = await this.index.referencedDigests();
    const unreferenced: Array<{ digest: string; size: number }> = [];
    for await (const blob of this.blobs.list()) if (!referenced.has(blob.digest)) unreferenced.push(blob);
    const deleted = options.dryRun !== true;
    if (deleted) for (const blob of unreferenced) await this.blobs.delete(blob.digest);
    const report: GarbageReport = { blobs: unreferenced.length, bytes: unreferenced.reduce((sum, b) => sum + b.size, 0), digests: unreferenced.map((b) => b.digest), deleted };
    if (this.blobs.collectAbandoned) report.abandoned = await this.blobs.collectAbandoned(!deleted);
    return report;
  }

  private async fileDigest(experimentId: string, name: string, options: ReadArtifactOptions): Promise<string> {
    return pickArtifactFile(await this.index.artifacts(experimentId), experimentId, name, options).digest;
  }
}

/** The version of an artifact a read names: the latest unless `version`. */
export function pickArtifactVersion(records: readonly ArtifactRecord[], experimentId: string, name: string, version?: number): ArtifactRecord {
  const versions = records.filter((r) => r.name === name);
  if (versions.length === 0) throw new ExptrackError(`run ${experimentId} has no artifact "${name}"`, { code: 'not_found', field: 'name', value: name });
  const record = version === undefined ? versions.reduce((a, b) => (b.version > a.version ? b : a)) : versions.find((r) => r.version === version);
  if (!record) throw new ExptrackError(`artifact "${name}" of run ${experimentId} has no version ${String(version)}`, { code: 'not_found', field: 'version', value: version });
  return record;
}

/** The file of an artifact that a read names: the version (latest by default) and the file. */
export function pickArtifactFile(records: readonly ArtifactRecord[], experimentId: string, name: string, options: ReadArtifactOptions) {
  const record = pickArtifactVersion(records, experimentId, name, options.version);
  if (options.file === undefined) {
    if (record.files.length === 1) return record.files[0]!;
    throw new ExptrackError(`artifact "${name}" v${record.version} is a directory of ${record.files.length} files: pass { file } (one of ${record.files.slice(0, 5).map((f) => f.path).join(', ')}${record.files.length > 5 ? ', …' : ''})`, {
      code: 'invalid_input',
      field: 'file',
      value: undefined,
    });
  }
  const file = record.files.find((f) => f.path === options.file);
  if (!file) throw new ExptrackError(`artifact "${name}" v${record.version} has no file "${options.file}"`, { code: 'not_found', field: 'file', value: options.file });
  return file;
}

/** A batch without the bytes of its artifact and media events (for a write thread or a database). */
export function withoutContent(events: readonly TrackerEvent[]): TrackerEvent[] {
  return events.map((event) => {
    if (event.type === 'artifact') return { ...event, sources: [] };
    if (event.type === 'media' && event.bytes !== undefined) return { type: 'media', experimentId: event.experimentId, media: event.media };
    return event;
  });
}

/**
 * An exiting process's last batch, given to `write`, which applies rows synchronously. Blobs cannot
 * be stored synchronously: events that carry bytes are left out, and the throw says how many.
 *
 * @param events - the batch
 * @param write - applies rows before it returns
 * @param backend - the store, as the error names it
 * @throws ExptrackError `unavailable` when events were left out (after the rest was written)
 */
export function writeSyncWithoutContent(events: readonly TrackerEvent[], write: (rows: readonly TrackerEvent[]) => void, backend: string): void {
  const rows = carriesContent(events) ? events.filter((e) => e.type !== 'artifact' && !(e.type === 'media' && e.bytes !== undefined)) : events;
  write(rows);
  if (rows.length < events.length) {
    throw new ExptrackError(`${events.length - rows.length} artifact or image events could not be stored while the process exited`, { code: 'unavailable', backend });
  }
}

/**
 * A store's writes that carry bytes, in order: each batch's blobs are stored, then its rows are
 * written; later batches wait behind it (`busy`), so rows never name a blob that is not there yet
 * and batches keep their order.
 *
 * @example
 * ```ts
 * if (content.busy || carriesContent(events)) return content.write(events, (e) => artifacts.storeContent(e), (rows) => writeRows(rows));
 * ```
 */
export class ContentWrites {
  private pending = 0;
  private tail: Promise<unknown> = Promise.resolve();

  /** Whether a batch with bytes is on its way: a later batch must queue behind it. */
  get busy(): boolean {
    return this.pending > 0;
  }

  /**
   * @param events - the batch
   * @param storeContent - stores the batch's blobs
   * @param writeRows - writes the batch without its bytes
   * @returns when the rows are written
   */
  write(events: readonly TrackerEvent[], storeContent: (events: readonly TrackerEvent[]) => Promise<void>, writeRows: (rows: readonly TrackerEvent[]) => Promise<void>): Promise<void> {
    this.pending++;
    const written = this.tail.then(async () => {
      await storeContent(events);
      await writeRows(withoutContent(events));
    });
    this.tail = written.catch(() => undefined);
    return written.finally(() => this.pending--);
  }
}

/** Whether a batch carries bytes for a blob store. */
export function carriesContent(events: readonly TrackerEvent[]): boolean {
  return events.some((e) => (e.type === 'artifact' && e.sources.length > 0) || (e.type === 'media' && e.bytes !== undefined));
}
