import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Backend, BackendCapabilities, BatchIdentity, TrackerEvent, WriteOptions } from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import type { ArtifactLineage, ArtifactReader, ArtifactRecord, GarbageReport, MediaKey, MediaRecord, ReadArtifactOptions } from '../../core/artifacts.js';
import { ArtifactStore, carriesContent, ContentWrites, writeSyncWithoutContent } from '../../artifacts/artifact-store.js';
import { DirectoryBlobStore } from '../../artifacts/directory-blob-store.js';
import { MemoryBlobStore } from '../../artifacts/memory-blob-store.js';
import { SqliteArtifactIndex } from './artifact-rows.js';
import { STALE_AFTER_MS } from '../../core/lifecycle.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import { LATEST_MIGRATION, migrationProvider } from '../sql/migrations.js';
import type { StoreTables } from '../sql/store-tables.js';
import { SqlStore } from '../sql/sql-store.js';
import { StoreReads } from '../sql/store-reads.js';
import { EventWriter } from './event-writer.js';
import { readMetricOutline } from './metric-outline-query.js';
import { openDatabase, storeError } from './open-database.js';
import { openReadOnly } from './open-read-only.js';
import type { SqliteBackendConfig } from './sqlite-backend-config.js';
import type { SqliteConnection } from './sqlite-driver.js';
import { sqliteStoreDialect } from './sqlite-store-dialect.js';
import type { SqliteWriteThreadOptions } from './write-thread-options.js';
import { writeWithRetry, writeWithRetryAsync } from './write-with-retry.js';
import { WriteThread, writeHeldInOrder } from '../sql/write-thread.js';
import type { StoreEvent } from '../sql/store-event.js';
import { ReadPool } from './read-pool.js';
import type { ReadThreadOptions } from './read-messages.js';
import { outlineWindow } from '../../core/metric-outline.js';

/** A metric outline of a series with more points than this is read on a read thread. */
const OUTLINE_POINTS_ON_THIS_THREAD = 50_000;

/**
 * The embedded default store: one SQLite file (WAL mode), safe for several processes writing at
 * once. Schema and queries go through Kysely; the metric insert path uses cached prepared
 * statements. NaN is stored as NULL and ±Infinity as is, so every value round-trips.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { SqliteBackend } from 'exptrack/sqlite';
 *
 * const store = new SqliteBackend({ path: 'runs.db' });
 * const tracker = new ExperimentTracker({ backends: [store] });
 * const id = await tracker.startExperiment({ learning_rate: 1e-3 });
 * tracker.logMetrics({ loss: 0.25 }, 10);
 * await tracker.finishExperiment();
 * await store.getMetrics(id, 'loss'); // [{ key: 'loss', step: 10, value: 0.25, ... }]
 * ```
 */
export class SqliteBackend extends SqlStore implements Backend, ArtifactReader {
  readonly specificationVersion = 1;
  readonly name = 'sqlite';
  readonly capabilities: BackendCapabilities = { read: true, persistent: true, multiProcess: true, responseCache: true, pipelinedWrites: true, idempotentBatches: true, artifacts: true, groupCatalog: true };
  private readonly config: Required<Omit<SqliteBackendConfig, 'artifactsDir'>>;
  private readonly artifacts: ArtifactStore;
  /** Batches that carry bytes: their blobs are stored first, and later batches wait behind them. */
  private readonly contentWrites = new ContentWrites();
  /** `writer` is undefined on a read-only store; `cleanUp` runs after the connection closed. */
  private state:
    | { db: SqliteConnection; kysely: Kysely<StoreTables<'encoded'>>; reads: StoreReads; writer: EventWriter | undefined; cleanUp?: () => void; readPool: ReadPool | undefined }
    | undefined;
  /** The write thread, started by the first write (a reader never pays for it). */
  private thread: Promise<WriteThread | undefined> | undefined;
  private startedThread: WriteThread | undefined;
  /** Writes that are still waiting for the store or the thread to be ready; later ones queue behind them. */
  private slowWrites = 0;
  private opening: Promise<void> | undefined;

  constructor(config: SqliteBackendConfig) {
    super();
    if (typeof config?.path !== 'string') throw new ExptrackError('SqliteBackend needs a path', { code: 'invalid_input', field: 'path', value: config?.path });
    this.config = { busyTimeoutMs: 5_000, lockRetryMs: 60_000, fileMustExist: false, staleAfterMs: STALE_AFTER_MS, readOnly: false, readThreads: Math.max(1, Math.min(2, availableParallelism() - 1)), ...config };
    if (!Number.isInteger(this.config.readThreads) || this.config.readThreads < 0 || this.config.readThreads > 16) {
      throw new ExptrackError('readThreads must be an integer in 0..16', { code: 'invalid_input', field: 'readThreads', value: config.readThreads });
    }
    const inMemory = config.path === ':memory:' || config.path === '';
    const blobs = config.artifactsDir === undefined && inMemory ? new MemoryBlobStore() : new DirectoryBlobStore(config.artifactsDir ?? `${config.path}.artifacts`);
    this.artifacts = new ArtifactStore(new SqliteArtifactIndex(async () => (await this.ready()).db), blobs);
  }

  /** The directory of artifact and image bytes, or undefined when they are kept in memory. */
  get artifactsDir(): string | undefined {
    return this.artifacts.blobs instanceof DirectoryBlobStore ? this.artifacts.blobs.root : undefined;
  }

  /** The database file. */
  get path(): string {
    return this.config.path;
  }

  /**
   * Opens the file, checks that it is an exptrack store, applies pending migrations and marks runs
   * whose heartbeat stopped as crashed. Called by every other method when needed.
   *
   * @throws ExptrackError `not_an_exptrack_store`, `corrupt_store`, `not_found` (with `fileMustExist`)
   */
  init(): Promise<void> {
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async open(): Promise<void> {
    const { path } = this.config;
    if (this.config.readOnly) {
      const { db, cleanUp, inMemoryCopy } = openReadOnly(path, this.config);
      const kysely = new Kysely<StoreTables<'encoded'>>({ dialect: new SqliteDialect({ database: db as unknown as SqliteDatabase }) });
      // Nothing marked: the reads show runs whose heartbeat stopped as crashed (experimentsAsRead).
      const reads = new StoreReads(kysely, sqliteStoreDialect, this.config.staleAfterMs);
      this.state = { db, kysely, reads, writer: undefined, cleanUp, readPool: inMemoryCopy ? undefined : this.newReadPool() };
      return;
    }
    const db = openDatabase(path, this.config);
    const kysely = new Kysely<StoreTables<'encoded'>>({ dialect: new SqliteDialect({ database: db as unknown as SqliteDatabase }) });
    try {
      await migrate(db, kysely);
      this.state = { db, kysely, reads: new StoreReads(kysely, sqliteStoreDialect), writer: new EventWriter(db), readPool: this.newReadPool() };
      this.markStaleRunsCrashed();
    } catch (cause) {
      await kysely.destroy();
      throw storeError(path, cause);
    }
  }

  /** Batches are applied in the order of the calls, also when a call comes before the last one settled. */
  write(events: readonly TrackerEvent[], options?: WriteOptions): Promise<void> {
    if (this.config.readOnly) return Promise.reject(this.readOnlyError());
    const batch = options?.batch;
    if (this.contentWrites.busy || carriesContent(events)) return this.contentWrites.write(events, (e) => this.artifacts.storeContent(e), (rows) => this.writeWhenReady(rows, batch));
    // Posted at once, so that a batch handed over from inside a synchronous loop is written meanwhile.
    if (this.startedThread && this.slowWrites === 0) return this.startedThread.write(events, batch);
    return this.writeWhenReady(events, batch);
  }

  private async writeWhenReady(events: readonly TrackerEvent[], batch: BatchIdentity | undefined): Promise<void> {
    this.slowWrites++;
    try {
      const { writer } = await this.ready();
      const thread = await this.writeThread();
      return await (thread ? thread.write(events, batch) : writeWithRetryAsync(writer!, events, this.config, batch));
    } finally {
      this.slowWrites--;
    }
  }

  /** Backpressure: waits, on this thread, until the write thread committed enough of what it holds. */
  waitForCapacity(maxPoints: number, maxBytes: number, timeoutMs: number): void {
    this.startedThread?.waitForRoom(maxPoints, maxBytes, timeoutMs);
  }

  /**
   * The last words of an exiting process. Blobs cannot be copied synchronously: the rows of a batch
   * that carries bytes are written without them and the failure is reported by the throw.
   */
  writeSync(events: readonly TrackerEvent[]): void {
    if (!this.state) throw new ExptrackError('the sqlite store is not open', { code: 'unavailable', backend: this.name });
    const { writer } = this.state;
    if (!writer) throw this.readOnlyError();
    const thread = this.startedThread;
    const retry = { path: this.config.path, lockRetryMs: Math.min(this.config.lockRetryMs, 10_000) };
    writeSyncWithoutContent(events, (rows) => (thread ? thread.writeSync(rows) : writeWithRetry(writer, rows, retry)), this.name);
  }

  /**
   * A file store is written by a thread of its own, so inserts cost the training loop nothing; an
   * in-memory database is only reachable through this connection, so it is written here.
   */
  private writeThread(): Promise<WriteThread | undefined> {
    const { path } = this.config;
    this.thread ??= path === ':memory:' || path === ''
      ? Promise.resolve(undefined)
      : WriteThread.start('sqlite', { path, busyTimeoutMs: this.config.busyTimeoutMs, lockRetryMs: this.config.lockRetryMs } satisfies SqliteWriteThreadOptions).then((thread) => {
          // A thread that dies mid-run: the batches it held, then later ones, are written here.
          thread?.onUnexpectedStop((held) => {
            this.startedThread = undefined;
            const write = async (events: readonly StoreEvent[], identity: BatchIdentity) => writeWithRetryAsync((await this.ready()).writer!, events, this.config, identity);
            this.thread = writeHeldInOrder(held, write, (cause) => storeError(path, cause)).then(() => undefined);
          });
          return (this.startedThread = thread);
        });
    return this.thread;
  }

  /** Every write is committed when `write` resolves (WAL, synchronous=NORMAL): nothing to do. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    this.opening = undefined;
    if (!state) return;
    const thread = await this.thread;
    this.thread = undefined;
    this.startedThread = undefined;
    await thread?.close();
    await state.readPool?.close();
    await state.kysely.destroy();
    state.cleanUp?.();
  }

  private readOnlyError(): ExptrackError {
    return new ExptrackError(`the sqlite store ${this.config.path} was opened read-only (readOnly: true): it cannot be written`, { code: 'unsupported', backend: this.name });
  }

  async getMetricOutline(id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline> {
    const { db, readPool } = await this.ready();
    outlineWindow(query); // a bad query fails here, the same with or without read threads
    if (readPool?.usable) {
      const series = db.prepare('SELECT count FROM metric_series WHERE experiment_id = ? AND key = ?').raw(true).get(id, key) as [number] | undefined;
      if (series !== undefined && series[0] > OUTLINE_POINTS_ON_THIS_THREAD) {
        // A long read: on a read thread, so this thread keeps serving. Should the thread fail, read here.
        const outline = await readPool.run({ kind: 'outline', experimentId: id, key, query }).catch(() => undefined);
        if (outline !== undefined) return outline as MetricOutline;
      }
    }
    return readMetricOutline(db, id, key, query);
  }

  /**
   * How many reads the read threads answered (for tests and benchmarks).
   *
   * @example
   * ```ts
   * await store.getMetricOutline(id, 'loss', { buckets: 1400 }); // a 20,000,000-point metric
   * store.readsOffThread; // 1
   * ```
   */
  get readsOffThread(): number {
    return this.state?.readPool?.answered ?? 0;
  }

  private newReadPool(): ReadPool | undefined {
    const { path, readThreads, busyTimeoutMs, staleAfterMs } = this.config;
    if (readThreads === 0 || path === ':memory:' || path === '') return undefined;
    return new ReadPool({ path, busyTimeoutMs, staleAfterMs } satisfies ReadThreadOptions, readThreads);
  }

  async deleteExperiment(id: string): Promise<boolean> {
    const { db } = await this.ready();
    const remove = db.transaction(() => {
      // metric_points has no foreign key (it would cost an index); remove its rows first.
      db.prepare('DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series WHERE experiment_id = ?)').run(id);
      return db.prepare('DELETE FROM experiments WHERE id = ?').run(id).changes > 0;
    });
    return remove.immediate() as boolean;
  }

  getArtifacts(experimentId: string): Promise<ArtifactRecord[]> {
    return this.artifacts.getArtifacts(experimentId);
  }

  readArtifact(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<Uint8Array> {
    return this.artifacts.readArtifact(experimentId, name, options);
  }

  readArtifactStream(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<AsyncIterable<Uint8Array>> {
    return this.artifacts.readArtifactStream(experimentId, name, options);
  }

  getArtifactLineage(experimentId: string): Promise<ArtifactLineage> {
    return this.artifacts.getArtifactLineage(experimentId);
  }

  getMedia(experimentId: string, key: string): Promise<MediaRecord[]> {
    return this.artifacts.getMedia(experimentId, key);
  }

  getMediaKeys(experimentId: string): Promise<MediaKey[]> {
    return this.artifacts.getMediaKeys(experimentId);
  }

  readMedia(experimentId: string, key: string, options: { step: number }): Promise<Uint8Array> {
    return this.artifacts.readMedia(experimentId, key, options);
  }

  /** Whether the blob store holds `digest`: what a tracking server asks before a client uploads it. */
  hasBlob(digest: string): Promise<boolean> {
    return this.artifacts.hasBlob(digest);
  }

  collectGarbage(options?: { dryRun?: boolean }): Promise<GarbageReport> {
    return this.artifacts.collectGarbage(options);
  }

  protected async withReads<T>(body: (reads: StoreReads) => Promise<T>, listing = false): Promise<T> {
    const { reads } = listing ? await this.readyForReading() : await this.ready();
    return body(reads);
  }

  private async ready(): Promise<NonNullable<SqliteBackend['state']>> {
    if (!this.state) await this.init();
    if (!this.state) throw new ExptrackError('the sqlite store was closed', { code: 'unavailable', backend: this.name });
    return this.state;
  }

  /** Before listing runs, runs whose heartbeat stopped are marked crashed. */
  private async readyForReading(): Promise<NonNullable<SqliteBackend['state']>> {
    const state = await this.ready();
    this.markStaleRunsCrashed();
    return state;
  }

  private markStaleRunsCrashed(): void {
    if (this.config.readOnly) return; // a reader's reads show them crashed instead (experimentsAsRead)
    try {
      this.state?.db
        .prepare("UPDATE experiments SET status = 'crashed', ended_at = heartbeat_at WHERE status = 'running' AND heartbeat_at < ?")
        .run(Date.now() - this.config.staleAfterMs);
    } catch (cause) {
      // Another process holds the lock: the next read will try again.
      if (storeError(this.config.path, cause).code !== 'locked') throw storeError(this.config.path, cause);
    }
  }

  /** The file and its WAL; null for an in-memory database. */
  protected async storeSize(): Promise<number | null> {
    const { path } = this.config;
    if (path === ':memory:' || path === '') return null;
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return size(path) + size(`${path}-wal`);
  }
}

/**
 * Brings the schema up to date. An up-to-date store costs one query (Kysely's migrator takes far
 * longer, on every open). When several processes open a new file at once, one migrates and the
 * others fail on what it created: they try again and find the work done.
 */
async function migrate(db: SqliteConnection, kysely: Kysely<StoreTables<'encoded'>>): Promise<void> {
  if (latestAppliedMigration(db) === LATEST_MIGRATION) return;
  for (let attempt = 0; ; attempt++) {
    const { error } = await new Migrator({ db: kysely, provider: migrationProvider(sqliteStoreDialect) }).migrateToLatest();
    if (error === undefined) return;
    if (attempt === 5) throw error;
    await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
  }
}

function latestAppliedMigration(db: SqliteConnection): string | undefined {
  try {
    const row = db.prepare('SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1').get() as { name: string } | undefined;
    return row?.name;
  } catch {
    return undefined; // no migration table yet: a new store
  }
}
