import { statSync } from 'node:fs';
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase } from 'kysely';
import type {
  Backend,
  BackendCapabilities,
  ExperimentQuery,
  ExperimentReader,
  ExperimentSelection,
  MetricSelector,
  MetricValue,
  ResponseCacheStore,
  TrackerEvent,
} from '../../core/backend.js';
import { ExptrackError } from '../../core/errors.js';
import { STALE_AFTER_MS } from '../../core/lifecycle.js';
import { EXPERIMENT_STATUSES } from '../../core/types.js';
import type {
  CheckpointRecord,
  EvaluationRecord,
  Experiment,
  ExperimentStatus,
  MetricOutline,
  MetricOutlineQuery,
  MetricPoint,
  MetricSummary,
  StoreStats,
  StoredEvaluationSample,
} from '../../core/types.js';
import { readMetricValues } from '../sql/metric-values.js';
import { selectionCondition, sortTerms } from '../sql/selection.js';
import { EventWriter } from './event-writer.js';
import { readMetricOutline } from './metric-outline-query.js';
import { LATEST_MIGRATION, migrationProvider } from './migrations.js';
import { openDatabase, storeError } from './open-database.js';
import { openReadOnly } from './open-read-only.js';
import { toCheckpoint, toEvaluation, toExperiment, toMetricSummary, toSample } from './row-mapping.js';
import type { StoreSchema } from './schema.js';
import type { SqliteBackendConfig } from './sqlite-backend-config.js';
import type { SqliteConnection } from './sqlite-driver.js';
import { writeWithRetry, writeWithRetryAsync } from './write-with-retry.js';
import { WriteThread } from './write-thread.js';

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
export class SqliteBackend implements Backend, ExperimentReader, ResponseCacheStore {
  readonly specificationVersion = 1;
  readonly name = 'sqlite';
  readonly capabilities: BackendCapabilities = { read: true, persistent: true, multiProcess: true, responseCache: true, pipelinedWrites: true };
  private readonly config: Required<SqliteBackendConfig>;
  /** `writer` is undefined on a read-only store; `cleanUp` runs after the connection closed. */
  private state: { db: SqliteConnection; kysely: Kysely<StoreSchema>; writer: EventWriter | undefined; cleanUp?: () => void } | undefined;
  /** The write thread, started by the first write (a reader never pays for it). */
  private thread: Promise<WriteThread | undefined> | undefined;
  private startedThread: WriteThread | undefined;
  /** Writes that are still waiting for the store or the thread to be ready; later ones queue behind them. */
  private slowWrites = 0;
  private opening: Promise<void> | undefined;

  constructor(config: SqliteBackendConfig) {
    if (typeof config?.path !== 'string') throw new ExptrackError('SqliteBackend needs a path', { code: 'invalid_input', field: 'path', value: config?.path });
    this.config = { busyTimeoutMs: 5_000, lockRetryMs: 60_000, fileMustExist: false, staleAfterMs: STALE_AFTER_MS, readOnly: false, ...config };
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
      const { db, cleanUp } = openReadOnly(path, this.config);
      this.state = { db, kysely: new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: db as unknown as SqliteDatabase }) }), writer: undefined, cleanUp };
      return;
    }
    const db = openDatabase(path, this.config);
    const kysely = new Kysely<StoreSchema>({ dialect: new SqliteDialect({ database: db as unknown as SqliteDatabase }) });
    try {
      await migrate(db, kysely);
      this.state = { db, kysely, writer: new EventWriter(db) };
      this.markStaleRunsCrashed();
    } catch (cause) {
      await kysely.destroy();
      throw storeError(path, cause);
    }
  }

  /** Batches are applied in the order of the calls, also when a call comes before the last one settled. */
  write(events: readonly TrackerEvent[]): Promise<void> {
    if (this.config.readOnly) return Promise.reject(this.readOnlyError());
    // Posted at once, so that a batch handed over from inside a synchronous loop is written meanwhile.
    if (this.startedThread && this.slowWrites === 0) return this.startedThread.write(events);
    return this.writeWhenReady(events);
  }

  private async writeWhenReady(events: readonly TrackerEvent[]): Promise<void> {
    this.slowWrites++;
    try {
      const { writer } = await this.ready();
      const thread = await this.writeThread();
      return await (thread ? thread.write(events) : writeWithRetryAsync(writer!, events, this.config));
    } finally {
      this.slowWrites--;
    }
  }

  /** Backpressure: waits, on this thread, until the write thread committed enough of what it holds. */
  waitForCapacity(maxPoints: number, maxBytes: number, timeoutMs: number): void {
    this.startedThread?.waitForRoom(maxPoints, maxBytes, timeoutMs);
  }

  writeSync(events: readonly TrackerEvent[]): void {
    if (!this.state) throw new ExptrackError('the sqlite store is not open', { code: 'unavailable', backend: this.name });
    const { writer } = this.state;
    if (!writer) throw this.readOnlyError();
    const thread = this.startedThread;
    if (thread) thread.writeSync(events);
    else writeWithRetry(writer, events, { path: this.config.path, lockRetryMs: Math.min(this.config.lockRetryMs, 10_000) });
  }

  /**
   * A file store is written by a thread of its own, so inserts cost the training loop nothing; an
   * in-memory database is only reachable through this connection, so it is written here.
   */
  private writeThread(): Promise<WriteThread | undefined> {
    const { path } = this.config;
    this.thread ??= path === ':memory:' || path === ''
      ? Promise.resolve(undefined)
      : WriteThread.start(this.config).then((thread) => (this.startedThread = thread));
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
    await state.kysely.destroy();
    state.cleanUp?.();
  }

  private readOnlyError(): ExptrackError {
    return new ExptrackError(`the sqlite store ${this.config.path} was opened read-only (readOnly: true): it cannot be written`, { code: 'unsupported', backend: this.name });
  }

  async getAllExperiments(query: ExperimentQuery = {}): Promise<Experiment[]> {
    const { kysely } = await this.readyForReading();
    let q = kysely.selectFrom('experiments as e').selectAll('e').where(selectionCondition(query, 'sqlite'));
    for (const term of sortTerms(query, 'sqlite', Date.now())) q = q.orderBy(term);
    if (query.limit !== undefined) q = q.limit(query.limit);
    if (query.offset !== undefined) q = (query.limit === undefined ? q.limit(-1) : q).offset(query.offset);
    return (await q.execute()).map(toExperiment);
  }

  async countExperiments(selection: ExperimentSelection = {}): Promise<number> {
    const { kysely } = await this.readyForReading();
    const row = await kysely
      .selectFrom('experiments as e')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where(selectionCondition(selection, 'sqlite'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async getMetricValues(metric: MetricSelector, selection: ExperimentSelection = {}): Promise<MetricValue[]> {
    const { kysely } = await this.readyForReading();
    return readMetricValues(metric, selection, 'sqlite', (query) => query.execute(kysely));
  }

  async getExperiment(id: string): Promise<Experiment | undefined> {
    const { kysely } = await this.readyForReading();
    const row = await kysely.selectFrom('experiments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toExperiment(row);
  }

  async findExperimentIds(prefix: string, limit = 10): Promise<string[]> {
    const { kysely } = await this.ready();
    const rows = await kysely
      .selectFrom('experiments')
      .select('id')
      .where('id', '>=', prefix)
      .where('id', '<', prefix + '\uffff')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async getMetrics(id: string, key?: string): Promise<MetricPoint[]> {
    const { kysely } = await this.ready();
    let q = kysely
      .selectFrom('metric_points as p')
      .innerJoin('metric_series as s', 's.id', 'p.series_id')
      .innerJoin('writers as w', 'w.id', 'p.writer_id')
      .select(['s.key', 'p.step', 'p.value', 'p.ts_offset', 'w.started_at', 'w.rank'])
      .where('s.experiment_id', '=', id);
    if (key !== undefined) q = q.where('s.key', '=', key);
    const rows = await q.orderBy('s.key').orderBy('p.step').orderBy('p.writer_id').orderBy('p.seq').execute();
    return rows.map((r) => ({ key: r.key, step: r.step, value: r.value ?? NaN, timestamp: r.started_at + r.ts_offset, rank: r.rank }));
  }

  async getMetricOutline(id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline> {
    const { db } = await this.ready();
    return readMetricOutline(db, id, key, query);
  }

  async getMetricSummaries(id: string | readonly string[]): Promise<MetricSummary[]> {
    const { kysely } = await this.ready();
    const rows = await inChunks(id, (ids) =>
      kysely.selectFrom('metric_series').selectAll().where('experiment_id', 'in', ids).where('count', '>', 0).orderBy('key').execute(),
    );
    return orderByIds(id, rows, (r) => r.experiment_id).map(toMetricSummary);
  }

  async getEvaluationResults(id: string | readonly string[], benchmark?: string): Promise<EvaluationRecord[]> {
    const { kysely } = await this.ready();
    const rows = await inChunks(id, (ids) => {
      let q = kysely.selectFrom('evaluations').selectAll().where('experiment_id', 'in', ids);
      if (benchmark !== undefined) q = q.where('benchmark', '=', benchmark);
      return q.orderBy('id').execute();
    });
    return orderByIds(id, rows, (r) => r.experiment_id).map(toEvaluation);
  }

  async getEvaluationSamples(id: string, benchmark?: string): Promise<StoredEvaluationSample[]> {
    const { kysely } = await this.ready();
    let q = kysely
      .selectFrom('evaluation_samples as s')
      .innerJoin('evaluations as ev', 'ev.id', 's.evaluation_id')
      .selectAll('s')
      .select(['ev.experiment_id', 'ev.benchmark'])
      .where('ev.experiment_id', '=', id);
    if (benchmark !== undefined) q = q.where('ev.benchmark', '=', benchmark);
    return (await q.orderBy('s.evaluation_id').orderBy('s.position').execute()).map(toSample);
  }

  async getCheckpoints(id: string): Promise<CheckpointRecord[]> {
    const { kysely } = await this.ready();
    const rows = await kysely.selectFrom('checkpoints').selectAll().where('experiment_id', '=', id).orderBy('created_at').orderBy('id').execute();
    return rows.map(toCheckpoint);
  }

  async getStats(): Promise<StoreStats> {
    const { kysely } = await this.readyForReading();
    const count = (table: 'metric_points' | 'evaluations' | 'evaluation_samples' | 'checkpoints') =>
      kysely.selectFrom(table).select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const [statuses, span, points, evaluations, samples, checkpoints] = await Promise.all([
      kysely.selectFrom('experiments').select(['status', ({ fn }) => fn.countAll<number>().as('n')]).groupBy('status').execute(),
      kysely.selectFrom('experiments').select(({ fn }) => [fn.min<number | null>('created_at').as('oldest'), fn.max<number | null>('created_at').as('newest')]).executeTakeFirstOrThrow(),
      count('metric_points'),
      count('evaluations'),
      count('evaluation_samples'),
      count('checkpoints'),
    ]);
    const byStatus = Object.fromEntries(EXPERIMENT_STATUSES.map((s) => [s, 0])) as Record<ExperimentStatus, number>;
    for (const { status, n } of statuses) byStatus[status as ExperimentStatus] = n;
    return {
      experiments: statuses.reduce((sum, s) => sum + s.n, 0),
      byStatus,
      metricPoints: points.n,
      evaluations: evaluations.n,
      samples: samples.n,
      checkpoints: checkpoints.n,
      sizeBytes: this.sizeOnDisk(),
      oldest: span.oldest,
      newest: span.newest,
    };
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

  async getCachedResponse(key: string): Promise<string | undefined> {
    const { kysely } = await this.ready();
    const row = await kysely.selectFrom('response_cache').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async putCachedResponse(key: string, value: string): Promise<void> {
    const { kysely } = await this.ready();
    await kysely
      .insertInto('response_cache')
      .values({ key, value, created_at: Date.now() })
      .onConflict((c) => c.column('key').doUpdateSet({ value, created_at: Date.now() }))
      .execute();
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
    if (this.config.readOnly) return; // a reader shows them crashed instead (showStaleRunsCrashed)
    try {
      this.state?.db
        .prepare("UPDATE experiments SET status = 'crashed', ended_at = heartbeat_at WHERE status = 'running' AND heartbeat_at < ?")
        .run(Date.now() - this.config.staleAfterMs);
    } catch (cause) {
      // Another process holds the lock: the next read will try again.
      if (storeError(this.config.path, cause).code !== 'locked') throw storeError(this.config.path, cause);
    }
  }

  private sizeOnDisk(): number | null {
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

/** Runs a query over ids in chunks that stay far below SQLite's limit on bound parameters. */
async function inChunks<T>(id: string | readonly string[], query: (ids: string[]) => Promise<T[]>): Promise<T[]> {
  const ids = typeof id === 'string' ? [id] : [...new Set(id)];
  const rows: T[] = [];
  for (let i = 0; i < ids.length; i += 500) rows.push(...(await query(ids.slice(i, i + 500))));
  return rows;
}

/** Rows grouped by experiment in the order the ids were given, keeping each group's order. */
function orderByIds<T>(id: string | readonly string[], rows: T[], experimentOf: (row: T) => string): T[] {
  if (typeof id === 'string') return rows;
  const position = new Map(id.map((one, i) => [one, i]));
  return rows.map((row, i) => ({ row, i })).sort((a, b) => position.get(experimentOf(a.row))! - position.get(experimentOf(b.row))! || a.i - b.i).map((x) => x.row);
}

/**
 * Brings the schema up to date. An up-to-date store costs one query (Kysely's migrator takes far
 * longer, on every open). When several processes open a new file at once, one migrates and the
 * others fail on what it created: they try again and find the work done.
 */
async function migrate(db: SqliteConnection, kysely: Kysely<StoreSchema>): Promise<void> {
  if (latestAppliedMigration(db) === LATEST_MIGRATION) return;
  for (let attempt = 0; ; attempt++) {
    const { error } = await new Migrator({ db: kysely, provider: migrationProvider }).migrateToLatest();
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
