import { Kysely, Migrator, sql, type PostgresPool } from 'kysely';
import type { Backend, BackendCapabilities, BatchIdentity, TrackerEvent, WriteOptions } from '../../core/backend.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import type { ArtifactLineage, ArtifactReader, ArtifactRecord, GarbageReport, MediaKey, MediaRecord, ReadArtifactOptions } from '../../core/artifacts.js';
import { ArtifactStore, carriesContent, ContentWrites, writeSyncWithoutContent } from '../../artifacts/artifact-store.js';
import { S3BlobStore } from '../../artifacts/s3-blob-store.js';
import { PgArtifactIndex } from './artifact-rows.js';
import { PgChunkBlobStore } from './chunk-blob-store.js';
import { splitSchemaParameter } from './connection-url.js';
import { STALE_AFTER_MS } from '../../core/lifecycle.js';
import type { MetricOutline, MetricOutlineQuery } from '../../core/types.js';
import { migrationProvider } from '../sql/migrations.js';
import type { StoreTables } from '../sql/store-tables.js';
import { retry } from '../sql/retry.js';
import { SqlStore } from '../sql/sql-store.js';
import { WriteThread, writeHeldInOrder } from '../sql/write-thread.js';
import type { StoreEvent } from '../sql/store-event.js';
import { StoreReads } from '../sql/store-reads.js';
import { PgEventWriter } from './event-writer.js';
import { readMetricOutline } from './metric-outline-query.js';
import { createPool, type PgPool, type PgPoolSettings } from './pg-driver.js';
import { lacksOutlineBlocks, openForReading, outlineFromPoints, readOnlyError, readOnlyFailure } from './read-only-store.js';
import { requireStore } from './require-store.js';
import { isTransient, storeError } from './pg-errors.js';
import { SchemaScopedPostgresDialect } from './schema-scoped-dialect.js';
import type { PostgresBackendConfig } from './postgres-backend-config.js';
import { postgresStoreDialect } from './postgres-store-dialect.js';
import type { PgWriteThreadOptions } from './write-thread-options.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MIGRATION_TABLE = 'exptrack_migration';
const STORE_TABLES = ['experiments', 'metric_series', 'writers', 'metric_points', 'evaluations', 'evaluation_samples', 'checkpoints', 'response_cache', 'write_sessions'];

/** Every option with its default filled in. */
type ResolvedConfig = Required<Omit<PostgresBackendConfig, 'ssl' | 'artifacts'>> & Pick<PostgresBackendConfig, 'ssl' | 'artifacts'>;

interface OpenState {
  pool: PgPool;
  kysely: Kysely<StoreTables<'native'>>;
  reads: StoreReads;
  /** Writes on this thread: only when the write thread could not start. */
  writer: PgEventWriter;
  /** Migrations of this release the store lacks: only a store opened `readOnly` may lack any. */
  pending: readonly string[];
}

/** The write thread's pool: its writer uses one connection at a time. */
const WRITE_THREAD_CONNECTIONS = 2;

const BASE_CAPABILITIES: BackendCapabilities = { read: true, persistent: true, multiProcess: true, responseCache: true, idempotentBatches: true, artifacts: true, groupCatalog: true };

/**
 * A store on a PostgreSQL server, for teams that share one leaderboard and runs spread over
 * processes and machines. The same tables, migrations and read API as the SQLite store (through
 * Kysely's PostgresDialect over a `pg.Pool`), so analysis and the CLI work on it unchanged.
 *
 * Writes are batched: the metric points of a batch go in with a few multi-row INSERTs (arrays
 * through `unnest`) in one transaction. A batch survives a dropped connection: it is retried on a
 * fresh connection, and an idempotency ledger keyed by batch makes sure a retried batch is never
 * applied twice. NaN and ±Infinity are stored as themselves (`double precision`).
 *
 * Batches are written by a thread of the store's own (a worker with its own pool), as in the SQLite
 * store: a training loop that logs faster than the server takes points, and never yields, waits for
 * it (see `TrackerOptions.maxPointsInFlight`) instead of queueing without bound. Where that thread
 * cannot start, writes go on the main thread, as before.
 *
 * While that thread runs, an exiting process's last batch is written synchronously through it
 * (`writeSync`). After a SIGKILL the run's heartbeat stops and the next reader marks it crashed, as
 * in the SQLite store (one opened `readOnly` shows it crashed without writing). Idle connections do
 * not keep the process alive.
 *
 * @example
 * ```ts
 * import { ExperimentTracker } from 'exptrack';
 * import { PostgresBackend } from 'exptrack/postgres';
 *
 * const store = new PostgresBackend({ connectionString: 'postgres://postgres@127.0.0.1:5432/ml' });
 * const tracker = new ExperimentTracker({ backends: [store] });
 * const id = await tracker.startExperiment({ learning_rate: 1e-3 });
 * tracker.logMetrics({ loss: 0.25 }, 10);
 * await tracker.finishExperiment();
 * await store.getMetrics(id, 'loss'); // [{ key: 'loss', step: 10, value: 0.25, ... }]
 * ```
 */
export class PostgresBackend extends SqlStore implements Backend, ArtifactReader {
  /** The version of the backend contract this backend implements. */
  readonly specificationVersion = 1;
  /** `postgres`, in reports and errors. */
  readonly name = 'postgres';
  private readonly artifacts: ArtifactStore;
  private readonly config: ResolvedConfig;
  private state: OpenState | undefined;
  private opening: Promise<OpenState> | undefined;
  private closed: Promise<void> | undefined;
  /** The write thread, started by the first write (a reader never pays for it). */
  private thread: Promise<WriteThread | undefined> | undefined;
  private startedThread: WriteThread | undefined;
  /** Writes that wait for the store or the thread to be ready, and writes that carry bytes; later writes queue behind them. */
  private slowWrites = 0;
  private slowTail: Promise<unknown> = Promise.resolve();
  private readonly contentWrites = new ContentWrites();
  /** Settles when every write handed over so far has settled. */
  private written: Promise<unknown> = Promise.resolve();

  /**
   * Readable, persistent, safe for many processes at once, and a response cache. `pipelinedWrites`
   * while its write thread runs: each batch is posted to it as it is handed over.
   */
  get capabilities(): BackendCapabilities {
    return this.startedThread ? { ...BASE_CAPABILITIES, pipelinedWrites: true } : BASE_CAPABILITIES;
  }

  /**
   * Describes the store; nothing connects until `init` (or the first write or read).
   *
   * @param config - the connection string, and optionally the schema, pool size and retry budget
   * @throws ExptrackError `invalid_input` when the connection string is missing or the schema is
   *   not a lowercase SQL identifier.
   *
   * @example
   * ```ts
   * import { PostgresBackend } from 'exptrack/postgres';
   * const store = new PostgresBackend({ connectionString: process.env.DATABASE_URL!, schema: 'exptrack' });
   * ```
   */
  constructor(config: PostgresBackendConfig) {
    if (typeof config?.connectionString !== 'string' || config.connectionString.length === 0) {
      throw new ExptrackError('PostgresBackend needs a connectionString', { code: 'invalid_input', field: 'connectionString', value: config?.connectionString });
    }
    super();
    const fromUrl = splitSchemaParameter(config.connectionString);
    if (config.schema !== undefined && fromUrl.schema !== undefined && config.schema !== fromUrl.schema) {
      throw invalidInput('schema', config.schema, `differs from the connection string's ?schema=${fromUrl.schema}; give one`);
    }
    const schema = config.schema ?? fromUrl.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) throw invalidInput('schema', schema, 'must be a lowercase SQL identifier (a-z, 0-9, _; at most 63 characters)');
    this.config = {
      max: 10,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      applicationName: 'exptrack',
      retryForMs: 60_000,
      staleAfterMs: STALE_AFTER_MS,
      storeMustExist: false,
      readOnly: false,
      ...config,
      connectionString: fromUrl.connectionString,
      schema,
    };
    const pool = async () => (await this.ready()).pool;
    const s3 = config.artifacts?.s3;
    this.artifacts = new ArtifactStore(new PgArtifactIndex(pool), s3 ? new S3BlobStore(s3) : new PgChunkBlobStore(pool));
  }

  /** The Postgres schema that holds the tables. */
  get schema(): string {
    return this.config.schema;
  }

  /**
   * Connects, creates the schema when missing, applies pending migrations (under an advisory lock,
   * so that processes starting together do not race) and marks runs whose heartbeat stopped as
   * crashed; with `readOnly`, only checks that the store is there (it writes nothing). Called by
   * every other method when needed; a failed init is tried again next time.
   *
   * @returns when the store is ready
   * @throws ExptrackError `unavailable` when no server answers (or it refuses the login), `not_found`
   *   when `storeMustExist` or `readOnly` is set and the schema holds no exptrack store,
   *   `not_an_exptrack_store` when the schema holds another application's `experiments` (or other
   *   exptrack-named) tables, and `backend_failed` when a migration fails.
   *
   * @example
   * ```ts
   * import { PostgresBackend } from 'exptrack/postgres';
   * const store = new PostgresBackend({ connectionString: 'postgres://postgres@127.0.0.1:5432/ml' });
   * await store.init();
   * ```
   */
  async init(): Promise<void> {
    await this.ready();
  }

  private ready(): Promise<OpenState> {
    if (this.state) return Promise.resolve(this.state);
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async open(): Promise<OpenState> {
    const { schema } = this.config;
    const pool = createPool(this.poolSettings());
    const kysely = new Kysely<StoreTables<'native'>>({ dialect: new SchemaScopedPostgresDialect({ pool: pool as unknown as PostgresPool }, schema) });
    try {
      if (this.config.readOnly) {
        // Nothing created, migrated or marked: stale runs are shown crashed by the reads themselves.
        const pending = await openForReading(pool, schema, MIGRATION_TABLE);
        const reads = new StoreReads(kysely, postgresStoreDialect, this.config.staleAfterMs);
        this.state = { pool, kysely, reads, writer: new PgEventWriter(pool, { retryForMs: this.config.retryForMs, where: this.where() }), pending };
        this.closed = undefined;
        return this.state;
      }
      if (this.config.storeMustExist) await requireStore(pool, schema, MIGRATION_TABLE);
      await createSchema(pool, schema);
      await refuseForeignTables(pool, schema);
      await migrateToLatest(kysely, schema);
      const state = { pool, kysely, reads: new StoreReads(kysely, postgresStoreDialect), writer: new PgEventWriter(pool, { retryForMs: this.config.retryForMs, where: this.where() }), pending: [] };
      this.state = state;
      this.closed = undefined;
      await this.markStaleRunsCrashed(state);
      return state;
    } catch (cause) {
      this.state = undefined;
      await kysely.destroy().catch(() => undefined);
      throw storeError(cause, this.where());
    }
  }

  private poolSettings(): PgPoolSettings {
    return {
      connectionString: this.config.connectionString,
      max: this.config.max,
      idleTimeoutMillis: this.config.idleTimeoutMillis,
      connectionTimeoutMillis: this.config.connectionTimeoutMillis,
      applicationName: this.config.applicationName,
      // A reader's sessions refuse writes themselves: a bug in a read path cannot change the store.
      options: `-c search_path=${this.config.schema}${this.config.readOnly ? ' -c default_transaction_read_only=on' : ''}`,
      ...(this.config.ssl === undefined ? {} : { ssl: this.config.ssl }),
    };
  }

  /**
   * Applies a batch of events in one transaction, in order. A dropped connection, an unreachable
   * server or a deadlock is retried for up to `retryForMs`; the batch is applied exactly once.
   *
   * @param events - the batch, as the tracker hands it over
   * @param options - `batch`: apply it only if that batch was not applied before
   * @returns when the batch is committed (or skipped as applied before)
   * @throws ExptrackError `not_found` (unknown experiment), `already_exists` (a second start of one
   *   id), `unavailable` when the retries ran out. Events that did not fail are committed.
   *
   * @example
   * ```ts
   * import { PostgresBackend } from 'exptrack/postgres';
   * import { makeExperiment } from 'exptrack/testing';
   * const store = new PostgresBackend({ connectionString: 'postgres://postgres@127.0.0.1:5432/ml' });
   * await store.write([{ type: 'experiment_started', experiment: makeExperiment() }]);
   * ```
   */
  write(events: readonly TrackerEvent[], options?: WriteOptions): Promise<void> {
    if (this.config.readOnly) return Promise.reject(readOnlyError(this.where()));
    const batch = options?.batch;
    let written: Promise<void>;
    if (this.contentWrites.busy || carriesContent(events)) written = this.contentWrites.write(events, (e) => this.storeContent(e), (rows) => this.writeWhenReady(rows, batch));
    // Posted at once, so that a batch handed over from inside a synchronous loop is written meanwhile.
    else if (this.startedThread && this.slowWrites === 0) written = this.startedThread.write(events, batch);
    else written = this.writeWhenReady(events, batch);
    this.written = Promise.allSettled([this.written, written]);
    return written;
  }

  /**
   * Backpressure: blocks this thread (synchronously) until the write thread committed enough of
   * what it holds: at most `maxPoints` points and `maxBytes` bytes, nor more than it commits in
   * 0.25 s, and no batch handed over more than 0.5 s ago. The tracker calls it when it hands a full
   * buffer over; returns at once while the thread is not running (then nothing can be waited for).
   *
   * @param maxPoints - the points that may stay uncommitted
   * @param maxBytes - the bytes of points that may stay uncommitted
   * @param timeoutMs - the longest it waits
   *
   * @example
   * ```ts
   * store.waitForCapacity(200_000, 32 << 20, 30_000);
   * ```
   */
  waitForCapacity(maxPoints: number, maxBytes: number, timeoutMs: number): void {
    this.startedThread?.waitForRoom(maxPoints, maxBytes, timeoutMs);
  }

  /**
   * The last words of an exiting process, present only while the write thread runs and no batch
   * waits ahead of it (for the store to open, or for its blobs): the batch is posted to the thread
   * and this thread blocks until it is committed, so a failure recorded at `exit` reaches the store.
   * Without it the tracker queues the batch, which a dying process cannot wait for. Blobs cannot be
   * stored synchronously: artifact and image events are left out, and the throw says how many.
   *
   * @example
   * ```ts
   * import { PostgresBackend } from 'exptrack/postgres';
   * const store = new PostgresBackend({ connectionString: 'postgres://postgres@127.0.0.1:5432/ml' });
   * store.writeSync?.([{ type: 'experiment_updated', experimentId: 'exp_1', changes: { status: 'failed' } }]);
   * ```
   */
  get writeSync(): ((events: readonly TrackerEvent[]) => void) | undefined {
    const thread = this.startedThread;
    if (!thread || this.slowWrites > 0 || this.contentWrites.busy) return undefined;
    return (events) => writeSyncWithoutContent(events, (rows) => thread.writeSync(rows), this.name);
  }

  /** A batch's blobs (idempotent: a blob that exists is skipped), its failure as the store's. */
  private storeContent(events: readonly TrackerEvent[]): Promise<void> {
    return this.artifacts.storeContent(events).catch((cause: unknown) => {
      throw storeError(cause, this.where());
    });
  }

  /**
   * Opens the store (the server may not have been up: kept trying within `retryForMs`) and starts
   * the write thread, then hands the batch over; batches are handed over in the order of the calls.
   */
  private writeWhenReady(events: readonly TrackerEvent[], batch: BatchIdentity | undefined): Promise<void> {
    this.slowWrites++;
    const handedOver = this.slowTail.then(async () => {
      const state = await retry(() => this.ready(), {
        forMs: this.config.retryForMs,
        backoffMs: (attempt) => Math.min(2_000, 100 * 2 ** attempt),
        settle: (cause) => ({ error: storeError(cause, this.where()), retryable: isTransient(cause) }),
      });
      const thread = await this.writeThread();
      // Wrapped: the batch is handed over here, its commit is awaited by the caller.
      return { committed: thread ? thread.write(events, batch) : this.writeHere(state, events, batch) };
    });
    this.slowTail = handedOver.catch(() => undefined);
    return handedOver.then(({ committed }) => committed).finally(() => this.slowWrites--);
  }

  /** Writes on this thread (the write thread could not start). */
  private async writeHere(state: OpenState, events: readonly StoreEvent[], batch: BatchIdentity | undefined): Promise<void> {
    try {
      await state.writer.write(events, batch);
    } catch (cause) {
      throw ExptrackError.is(cause) ? cause : storeError(cause, this.where());
    }
  }

  /** The write thread, started once: a pool of its own, the same writer. */
  private writeThread(): Promise<WriteThread | undefined> {
    this.thread ??= WriteThread.start('postgres', {
      pool: { ...this.poolSettings(), max: Math.min(this.config.max, WRITE_THREAD_CONNECTIONS) },
      retryForMs: this.config.retryForMs,
      where: this.where(),
    } satisfies PgWriteThreadOptions).then((thread) => {
      // A thread that dies mid-run: the batches it held, then later ones, are written here.
      thread?.onUnexpectedStop((held) => {
        this.startedThread = undefined;
        const write = async (events: readonly StoreEvent[], identity: BatchIdentity) => this.writeHere(await this.ready(), events, identity);
        this.thread = writeHeldInOrder(held, write, (cause) => storeError(cause, this.where())).then(() => undefined);
      });
      return (this.startedThread = thread);
    });
    return this.thread;
  }

  /**
   * Waits until every batch handed to `write` is committed (a committed batch is durable).
   *
   * @returns when nothing is in flight
   *
   * @example
   * ```ts
   * await store.flush();
   * ```
   */
  async flush(): Promise<void> {
    await this.written;
  }

  /**
   * Waits for batches in flight, then closes the pool. Idempotent; the store opens again when used.
   *
   * @returns when every connection is closed
   *
   * @example
   * ```ts
   * await store.close();
   * ```
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      const state = this.state ?? (await this.opening?.catch(() => undefined));
      await this.written;
      const thread = await this.thread;
      this.thread = undefined;
      this.startedThread = undefined;
      this.state = undefined;
      this.opening = undefined;
      await thread?.close().catch(() => undefined);
      if (!state) return;
      await state.writer.idle();
      await state.kysely.destroy();
      if (this.artifacts.blobs instanceof S3BlobStore) await this.artifacts.blobs.close();
    })();
    return this.closed;
  }

  /**
   * One metric in a step window, reduced in the database to what `buckets` columns can show (see
   * `MetricOutline`): every finite point of a small window, else the first lowest and highest
   * point of each equal step range.
   *
   * @param id - the experiment's id
   * @param key - the metric
   * @param query - the window (`fromStep`..`toStep`, both included) and the number of columns
   * @returns the outline; empty for an unknown experiment or key
   * @throws ExptrackError `invalid_input` for a malformed query, `unavailable` when the server
   *   cannot be reached.
   *
   * @example
   * ```ts
   * const loss = await store.getMetricOutline(id, 'loss', { buckets: 1400 });
   * ```
   */
  async getMetricOutline(id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline> {
    return this.reading(({ kysely, pending }) => (lacksOutlineBlocks(pending) ? outlineFromPoints(kysely, id, key, query) : readMetricOutline(kysely, id, key, query)));
  }

  /**
   * Deletes an experiment and everything logged to it, in one transaction.
   *
   * @param id - the experiment's id
   * @returns false when there was no such experiment
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * await store.deleteExperiment('exp_20250123_143022_a1b2c3'); // true
   * ```
   */
  async deleteExperiment(id: string): Promise<boolean> {
    return this.reading(({ kysely }) =>
      kysely.transaction().execute(async (trx) => {
        // metric_points has no foreign key (it would cost an index); remove its rows first.
        await trx
          .deleteFrom('metric_points')
          .where('series_id', 'in', trx.selectFrom('metric_series').select('id').where('experiment_id', '=', id))
          .execute();
        const result = await trx.deleteFrom('experiments').where('id', '=', id).executeTakeFirst();
        return result.numDeletedRows > 0n;
      }),
    );
  }

  /** Every version of every artifact of a run (see {@link ArtifactReader}). */
  getArtifacts(experimentId: string): Promise<ArtifactRecord[]> {
    return this.withStoreErrors(() => this.artifacts.getArtifacts(experimentId));
  }

  /** An artifact file's bytes (see {@link ArtifactReader.readArtifact}). */
  readArtifact(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<Uint8Array> {
    return this.withStoreErrors(() => this.artifacts.readArtifact(experimentId, name, options));
  }

  /** An artifact file's bytes in chunks. */
  readArtifactStream(experimentId: string, name: string, options?: ReadArtifactOptions): Promise<AsyncIterable<Uint8Array>> {
    return this.withStoreErrors(() => this.artifacts.readArtifactStream(experimentId, name, options));
  }

  /** What a run used and who used what it logged. */
  getArtifactLineage(experimentId: string): Promise<ArtifactLineage> {
    return this.withStoreErrors(() => this.artifacts.getArtifactLineage(experimentId));
  }

  /** The media of a key, by step. */
  getMedia(experimentId: string, key: string): Promise<MediaRecord[]> {
    return this.withStoreErrors(() => this.artifacts.getMedia(experimentId, key));
  }

  /** The media keys of a run. */
  getMediaKeys(experimentId: string): Promise<MediaKey[]> {
    return this.withStoreErrors(() => this.artifacts.getMediaKeys(experimentId));
  }

  /** An image's bytes. */
  readMedia(experimentId: string, key: string, options: { step: number }): Promise<Uint8Array> {
    return this.withStoreErrors(() => this.artifacts.readMedia(experimentId, key, options));
  }

  /** Whether the blob store holds `digest`: what a tracking server asks before a client uploads it. */
  hasBlob(digest: string): Promise<boolean> {
    return this.withStoreErrors(() => this.artifacts.hasBlob(digest));
  }

  /** Finds (and unless `dryRun`, deletes) blobs no artifact or image refers to. */
  collectGarbage(options?: { dryRun?: boolean }): Promise<GarbageReport> {
    return this.withStoreErrors(() => this.artifacts.collectGarbage(options));
  }

  private async withStoreErrors<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (cause) {
      throw this.failure(cause);
    }
  }

  /** A driver error as a typed one; on a store opened for reading, a refused write says so. */
  private failure(cause: unknown): ExptrackError {
    if (ExptrackError.is(cause)) return cause;
    return (this.config.readOnly && readOnlyFailure(cause, this.where(), this.state?.pending ?? [])) || storeError(cause, this.where());
  }

  protected withReads<T>(body: (reads: StoreReads) => Promise<T>, listing = false): Promise<T> {
    return this.reading((state) => body(state.reads), listing);
  }

  /** The total size of the schema's tables and indexes. */
  protected async storeSize(): Promise<number | null> {
    const { kysely } = await this.ready();
    const { rows } = await sql<{ bytes: number | null }>`SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${this.config.schema} AND c.relkind = 'r'`.execute(kysely);
    return rows[0]?.bytes ?? null;
  }

  /**
   * Runs a read (or a small idempotent write) on the open store, once more on a fresh connection
   * when the first one was dropped; with `listing`, stale runs are marked crashed first (unless the
   * store was opened `readOnly`: its reads show them crashed instead).
   */
  private reading<T>(body: (state: OpenState) => Promise<T>, listing = false): Promise<T> {
    return retry(
      async () => {
        const state = await this.ready();
        if (listing && !this.config.readOnly) await this.markStaleRunsCrashed(state);
        return body(state);
      },
      { forMs: Infinity, maxAttempts: 3, backoffMs: (attempt) => 50 * (attempt + 1), settle: (cause) => ({ error: this.failure(cause), retryable: isTransient(cause) }) },
    );
  }

  private async markStaleRunsCrashed(state: OpenState): Promise<void> {
    try {
      await sql`UPDATE experiments SET status = 'crashed', ended_at = heartbeat_at
        WHERE status = 'running' AND heartbeat_at < ${Date.now() - this.config.staleAfterMs}`.execute(state.kysely);
    } catch (cause) {
      // A writer holds the row (a deadlock was broken): the next read will try again.
      if (!isTransient(cause)) throw cause;
    }
  }

  /** The store as named in messages: host, database and schema, never the password. */
  private where(): string {
    try {
      const url = new URL(this.config.connectionString);
      return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname} (schema ${this.config.schema})`;
    } catch {
      return `(schema ${this.config.schema})`;
    }
  }
}

/**
 * Refuses a schema where another application already has a table that exptrack would create
 * (`experiments`, ...) while exptrack's migrations never ran there: the tables are left untouched.
 */
async function refuseForeignTables(pool: PgPool, schema: string): Promise<void> {
  const { rows } = await pool.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2::text[])',
    [schema, [MIGRATION_TABLE, ...STORE_TABLES]],
  );
  const names = new Set(rows.map((r) => r.table_name));
  if (names.has(MIGRATION_TABLE)) return;
  const clash = STORE_TABLES.filter((t) => names.has(t));
  if (clash.length > 0) {
    throw new ExptrackError(
      `schema ${schema} holds tables of another application (${clash.join(', ')}), not an exptrack store; they were left untouched. Pass another schema, e.g. { schema: 'exptrack' }`,
      { code: 'not_an_exptrack_store', field: 'schema', value: schema, backend: 'postgres' },
    );
  }
}

/** Creates the schema once, even when many processes open the store at the same moment. */
async function createSchema(pool: PgPool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('exptrack.create_schema'))");
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query('COMMIT');
    client.release();
  } catch (cause) {
    client.release(cause instanceof Error ? cause : true);
    throw cause;
  }
}

/** Runs the store's migrations (Kysely's migrator, which sees only this store's schema). */
async function migrateToLatest(kysely: Kysely<StoreTables<'native'>>, schema: string): Promise<void> {
  const { error } = await new Migrator({
    db: kysely,
    provider: migrationProvider(postgresStoreDialect),
    migrationTableSchema: schema,
    // Not Kysely's default names: an application that keeps its own Kysely migrations in the same
    // schema must not see exptrack's (its migrator would call them corrupt), nor exptrack its.
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  }).migrateToLatest();
  if (error) throw error;
}
