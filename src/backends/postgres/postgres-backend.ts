import { Kysely, Migrator, PostgresDialect, sql, type PostgresPool } from 'kysely';
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
import { ExptrackError, invalidInput } from '../../core/errors.js';
import { splitSchemaParameter } from './connection-url.js';
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
import { PgEventWriter } from './event-writer.js';
import { readMetricOutline } from './metric-outline-query.js';
import { migrationProvider } from './migrations.js';
import { createPool, type PgPool } from './pg-driver.js';
import { isTransient, storeError } from './pg-errors.js';
import type { PostgresBackendConfig } from './postgres-backend-config.js';
import { toCheckpoint, toEvaluation, toExperiment, toMetricSummary, toSample } from './row-mapping.js';
import type { PgStoreSchema } from './schema.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MIGRATION_TABLE = 'exptrack_migration';
const STORE_TABLES = ['experiments', 'metric_series', 'writers', 'metric_points', 'evaluations', 'evaluation_samples', 'checkpoints', 'response_cache', 'write_sessions'];

/** Every option with its default filled in. */
type ResolvedConfig = Required<Omit<PostgresBackendConfig, 'ssl'>> & Pick<PostgresBackendConfig, 'ssl'>;

interface OpenState {
  pool: PgPool;
  kysely: Kysely<PgStoreSchema>;
  writer: PgEventWriter;
}

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
 * The driver is asynchronous, so there is no `writeSync`: after a SIGKILL the run's heartbeat stops
 * and the next reader marks it crashed, as in the SQLite store. Idle connections do not keep the
 * process alive.
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
export class PostgresBackend implements Backend, ExperimentReader, ResponseCacheStore {
  /** The version of the backend contract this backend implements. */
  readonly specificationVersion = 1;
  /** `postgres`, in reports and errors. */
  readonly name = 'postgres';
  /** Readable, persistent, safe for many processes at once, and a response cache. */
  readonly capabilities: BackendCapabilities = { read: true, persistent: true, multiProcess: true, responseCache: true };
  private readonly config: ResolvedConfig;
  private state: OpenState | undefined;
  private opening: Promise<OpenState> | undefined;
  private closed: Promise<void> | undefined;

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
      ...config,
      connectionString: fromUrl.connectionString,
      schema,
    };
  }

  /** The Postgres schema that holds the tables. */
  get schema(): string {
    return this.config.schema;
  }

  /**
   * Connects, creates the schema when missing, applies pending migrations (under an advisory lock,
   * so that processes starting together do not race) and marks runs whose heartbeat stopped as
   * crashed. Called by every other method when needed; a failed init is tried again next time.
   *
   * @returns when the store is ready
   * @throws ExptrackError `unavailable` when no server answers (or it refuses the login),
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
    const pool = createPool({
      connectionString: this.config.connectionString,
      max: this.config.max,
      idleTimeoutMillis: this.config.idleTimeoutMillis,
      connectionTimeoutMillis: this.config.connectionTimeoutMillis,
      applicationName: this.config.applicationName,
      options: `-c search_path=${schema}`,
      ...(this.config.ssl === undefined ? {} : { ssl: this.config.ssl }),
    });
    const kysely = new Kysely<PgStoreSchema>({ dialect: new PostgresDialect({ pool: pool as unknown as PostgresPool }) });
    try {
      await createSchema(pool, schema);
      await refuseForeignTables(pool, schema);
      const { error } = await new Migrator({
        db: kysely,
        provider: migrationProvider,
        migrationTableSchema: schema,
        // Not Kysely's default names: an application that keeps its own Kysely migrations in the same
        // schema must not see exptrack's (its migrator would call them corrupt), nor exptrack its.
        migrationTableName: MIGRATION_TABLE,
        migrationLockTableName: `${MIGRATION_TABLE}_lock`,
      }).migrateToLatest();
      if (error) throw error;
      const state = { pool, kysely, writer: new PgEventWriter(pool, { retryForMs: this.config.retryForMs, where: this.where() }) };
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

  /**
   * Applies a batch of events in one transaction, in order. A dropped connection, an unreachable
   * server or a deadlock is retried for up to `retryForMs`; the batch is applied exactly once.
   *
   * @param events - the batch, as the tracker hands it over
   * @returns when the batch is committed
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
  async write(events: readonly TrackerEvent[]): Promise<void> {
    const deadline = Date.now() + this.config.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const { writer } = await this.ready();
        return await writer.write(events);
      } catch (cause) {
        // The server may not have been up when the store was opened: keep trying within the budget.
        if (this.state || !isTransient(cause) || Date.now() >= deadline) throw storeError(cause, this.where());
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
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
    await this.state?.writer.idle();
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
      this.state = undefined;
      this.opening = undefined;
      if (!state) return;
      await state.writer.idle();
      await state.kysely.destroy();
    })();
    return this.closed;
  }

  /**
   * Lists experiments, newest first unless asked otherwise; runs whose heartbeat stopped are marked
   * crashed first. `where` takes a parsed filter (see `parseFilter` of `exptrack/analysis`).
   *
   * @param query - status, group, ids, filter, order, limit and offset
   * @returns the matching experiments
   * @throws ExptrackError `unavailable` when the server cannot be reached, `invalid_input` for a
   *   malformed filter.
   *
   * @example
   * ```ts
   * const best = await store.getAllExperiments({ status: 'completed', limit: 10 });
   * ```
   */
  async getAllExperiments(query: ExperimentQuery = {}): Promise<Experiment[]> {
    return this.reading(async ({ kysely }) => {
      let q = kysely.selectFrom('experiments as e').selectAll('e').where(selectionCondition(query, 'postgres'));
      for (const term of sortTerms(query, 'postgres', Date.now())) q = q.orderBy(term);
      if (query.limit !== undefined) q = q.limit(query.limit);
      if (query.offset !== undefined) q = q.offset(query.offset);
      return (await q.execute()).map(toExperiment);
    }, true);
  }

  /**
   * How many experiments a selection picks (after marking stale runs crashed), counted by the server.
   *
   * @param selection - status, group, ids and filter
   * @returns the count
   * @throws ExptrackError `unavailable` when the server cannot be reached, `invalid_input` for a
   *   malformed filter.
   *
   * @example
   * ```ts
   * const running = await store.countExperiments({ status: 'running' });
   * ```
   */
  async countExperiments(selection: ExperimentSelection = {}): Promise<number> {
    return this.reading(async ({ kysely }) => {
      const row = await kysely
        .selectFrom('experiments as e')
        .select(sql<number>`count(*)::int`.as('n'))
        .where(selectionCondition(selection, 'postgres'))
        .executeTakeFirstOrThrow();
      return row.n;
    }, true);
  }

  /**
   * One metric of every selected run that has it, in no particular order, in one query: a metric of a
   * benchmark's latest evaluation, or a training metric's last, min or max value.
   *
   * @param metric - the metric
   * @param selection - status, group, ids and filter
   * @returns the values, NaN and ±Infinity included
   * @throws ExptrackError `unavailable` when the server cannot be reached, `invalid_input` for a
   *   malformed filter or value.
   *
   * @example
   * ```ts
   * const scores = await store.getMetricValues({ benchmark: 'gsm8k', metric: 'accuracy' }, { status: 'completed' });
   * ```
   */
  async getMetricValues(metric: MetricSelector, selection: ExperimentSelection = {}): Promise<MetricValue[]> {
    return this.reading(({ kysely }) => readMetricValues(metric, selection, 'postgres', (query) => query.execute(kysely)), true);
  }

  /**
   * One experiment (after marking stale runs crashed).
   *
   * @param id - the experiment's id
   * @returns the experiment, or undefined when no experiment has that id
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const run = await store.getExperiment('exp_20250123_143022_a1b2c3');
   * ```
   */
  async getExperiment(id: string): Promise<Experiment | undefined> {
    return this.reading(async ({ kysely }) => {
      const row = await kysely.selectFrom('experiments').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toExperiment(row);
    }, true);
  }

  /**
   * Ids that start with `prefix`, in byte order.
   *
   * @param prefix - the start of an id
   * @param limit - at most this many
   * @returns the matching ids
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * await store.findExperimentIds('exp_2025'); // ['exp_20250123_143022_a1b2c3', ...]
   * ```
   */
  async findExperimentIds(prefix: string, limit = 10): Promise<string[]> {
    return this.reading(async ({ kysely }) => {
      const rows = await kysely
        .selectFrom('experiments')
        .select('id')
        .where(sql<boolean>`starts_with(id, ${prefix})`)
        .orderBy(sql`id collate "C"`)
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    });
  }

  /**
   * The points of an experiment, ordered by key, step, then logging order.
   *
   * @param id - the experiment's id
   * @param key - only this metric
   * @returns the points, with their timestamps and ranks
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const loss = await store.getMetrics(id, 'loss');
   * ```
   */
  async getMetrics(id: string, key?: string): Promise<MetricPoint[]> {
    return this.reading(async ({ kysely }) => {
      let q = kysely
        .selectFrom('metric_points as p')
        .innerJoin('metric_series as s', 's.id', 'p.series_id')
        .innerJoin('writers as w', 'w.id', 'p.writer_id')
        .select(['s.key', 'p.step', 'p.value', 'p.ts_offset', 'w.started_at', 'w.rank'])
        .where('s.experiment_id', '=', id);
      if (key !== undefined) q = q.where('s.key', '=', key);
      const rows = await q.orderBy(sql`s.key collate "C"`).orderBy('p.step').orderBy('p.writer_id').orderBy('p.seq').execute();
      return rows.map((r) => ({ key: r.key, step: r.step, value: r.value, timestamp: r.started_at + r.ts_offset, rank: r.rank }));
    });
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
    return this.reading(({ kysely }) => readMetricOutline(kysely, id, key, query));
  }

  /**
   * Per-key figures of experiments' metrics, kept up to date as points arrive.
   *
   * @param id - an experiment's id, or several (read in one query)
   * @returns the summaries, by experiment (in the order of the ids given) then key
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const [loss] = await store.getMetricSummaries(id); // { key: 'loss', count, min, max, last, ... }
   * const all = await store.getMetricSummaries([idA, idB]);
   * ```
   */
  async getMetricSummaries(id: string | readonly string[]): Promise<MetricSummary[]> {
    const ids = typeof id === 'string' ? [id] : [...id];
    if (ids.length === 0) return [];
    return this.reading(async ({ kysely }) => {
      const rows = await kysely
        .selectFrom('metric_series')
        .select(['experiment_id', 'key', 'count', 'first_step', 'last_step', 'last_value', 'min_value', 'max_value'])
        .where(sql<boolean>`experiment_id = ANY(${ids}::text[])`)
        .where('count', '>', 0)
        .orderBy(sql`array_position(${ids}::text[], experiment_id)`)
        .orderBy(sql`key collate "C"`)
        .execute();
      return rows.map(toMetricSummary);
    });
  }

  /**
   * The evaluations of experiments, in the order they were logged (the last of a benchmark is its
   * latest).
   *
   * @param id - an experiment's id, or several (read in one query)
   * @param benchmark - only this benchmark
   * @returns the evaluations, by experiment (in the order of the ids given) then logging order;
   *   samples are read with `getEvaluationSamples`
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const [gsm8k] = await store.getEvaluationResults(id, 'gsm8k');
   * ```
   */
  async getEvaluationResults(id: string | readonly string[], benchmark?: string): Promise<EvaluationRecord[]> {
    const ids = typeof id === 'string' ? [id] : [...id];
    if (ids.length === 0) return [];
    return this.reading(async ({ kysely }) => {
      let q = kysely
        .selectFrom('evaluations')
        .select(['experiment_id', 'benchmark', 'metrics', 'metadata', 'step', 'sample_count', 'created_at'])
        .where(sql<boolean>`experiment_id = ANY(${ids}::text[])`);
      if (benchmark !== undefined) q = q.where('benchmark', '=', benchmark);
      return (await q.orderBy(sql`array_position(${ids}::text[], experiment_id)`).orderBy('id').execute()).map(toEvaluation);
    });
  }

  /**
   * The per-sample rows of an experiment's evaluations, in logging order.
   *
   * @param id - the experiment's id
   * @param benchmark - only this benchmark
   * @returns the samples, each with its experiment and benchmark
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const wrong = (await store.getEvaluationSamples(id, 'gsm8k')).filter((s) => s.correct === false);
   * ```
   */
  async getEvaluationSamples(id: string, benchmark?: string): Promise<StoredEvaluationSample[]> {
    return this.reading(async ({ kysely }) => {
      let q = kysely
        .selectFrom('evaluation_samples as s')
        .innerJoin('evaluations as ev', 'ev.id', 's.evaluation_id')
        .selectAll('s')
        .select(['ev.experiment_id', 'ev.benchmark'])
        .where('ev.experiment_id', '=', id);
      if (benchmark !== undefined) q = q.where('ev.benchmark', '=', benchmark);
      return (await q.orderBy('s.evaluation_id').orderBy('s.position').execute()).map(toSample);
    });
  }

  /**
   * The checkpoints of an experiment, in logging order.
   *
   * @param id - the experiment's id
   * @returns the checkpoints with their sizes and hashes
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const checkpoints = await store.getCheckpoints(id);
   * ```
   */
  async getCheckpoints(id: string): Promise<CheckpointRecord[]> {
    return this.reading(async ({ kysely }) => {
      const rows = await kysely
        .selectFrom('checkpoints')
        .select(['experiment_id', 'path', 'step', 'metrics', 'size_bytes', 'sha256', 'file_count', 'created_at'])
        .where('experiment_id', '=', id)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toCheckpoint);
    });
  }

  /**
   * Counts and sizes of the store; `sizeBytes` is the total size of the schema's tables and
   * indexes (`pg_total_relation_size`).
   *
   * @returns the figures
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const { experiments, metricPoints, sizeBytes } = await store.getStats();
   * ```
   */
  async getStats(): Promise<StoreStats> {
    return this.reading(async ({ kysely }) => {
      const count = (table: 'metric_points' | 'evaluations' | 'evaluation_samples' | 'checkpoints') =>
        kysely.selectFrom(table).select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const [statuses, span, points, evaluations, samples, checkpoints, size] = await Promise.all([
        kysely.selectFrom('experiments').select(['status', ({ fn }) => fn.countAll<number>().as('n')]).groupBy('status').execute(),
        kysely
          .selectFrom('experiments')
          .select(({ fn }) => [fn.min<number | null>('created_at').as('oldest'), fn.max<number | null>('created_at').as('newest')])
          .executeTakeFirstOrThrow(),
        count('metric_points'),
        count('evaluations'),
        count('evaluation_samples'),
        count('checkpoints'),
        sql<{ bytes: number | null }>`SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ${this.config.schema} AND c.relkind = 'r'`.execute(kysely),
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
        sizeBytes: size.rows[0]?.bytes ?? null,
        oldest: span.oldest,
        newest: span.newest,
      };
    }, true);
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

  /**
   * A cached model response.
   *
   * @param key - the response's hash
   * @returns the cached value, or undefined
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * const cached = await store.getCachedResponse(hash);
   * ```
   */
  async getCachedResponse(key: string): Promise<string | undefined> {
    return this.reading(async ({ kysely }) => {
      const row = await kysely.selectFrom('response_cache').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    });
  }

  /**
   * Stores (or replaces) a model response.
   *
   * @param key - the response's hash
   * @param value - the response
   * @returns when it is stored
   * @throws ExptrackError `unavailable` when the server cannot be reached.
   *
   * @example
   * ```ts
   * await store.putCachedResponse(hash, JSON.stringify(response));
   * ```
   */
  async putCachedResponse(key: string, value: string): Promise<void> {
    await this.reading(async ({ kysely }) => {
      const now = Date.now();
      await kysely
        .insertInto('response_cache')
        .values({ key, value, created_at: now })
        .onConflict((c) => c.column('key').doUpdateSet({ value, created_at: now }))
        .execute();
    });
  }

  /**
   * Runs a read (or a small idempotent write) on the open store, once more on a fresh connection
   * when the first one was dropped; with `listing`, stale runs are marked crashed first.
   */
  private async reading<T>(body: (state: OpenState) => Promise<T>, listing = false): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const state = await this.ready();
        if (listing) await this.markStaleRunsCrashed(state);
        return await body(state);
      } catch (cause) {
        if (attempt >= 2 || !isTransient(cause)) throw storeError(cause, this.where());
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
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
