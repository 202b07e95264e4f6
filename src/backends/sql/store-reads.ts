import { sql, type Kysely } from 'kysely';
import type { ExperimentQuery, ExperimentSelection, MetricPage, MetricPageQuery, MetricSelector, MetricValue } from '../../core/backend.js';
import { decodeMetricCursor, encodeMetricCursor, metricPageLimit } from '../../core/metric-page.js';
import { invalidInput } from '../../core/errors.js';
import { EXPERIMENT_STATUSES } from '../../core/types.js';
import type {
  CheckpointRecord,
  EvaluationRecord,
  Experiment,
  ExperimentStatus,
  MetricPoint,
  MetricSummary,
  StoreStats,
  StoredEvaluationSample,
} from '../../core/types.js';
import { experimentsAsRead } from './experiments-as-read.js';
import { GroupRecordQueries } from './group-records.js';
import { readMetricValues } from './metric-values.js';
import { toCheckpoint, toEvaluation, toExperiment, toMetricSummary, toSample } from './row-mapping.js';
import { selectionCondition, sortTerms } from './selection.js';
import type { StoreDialect } from './store-dialect.js';
import type { Encoding, StoreTables } from './store-tables.js';

/** The tables as the shared queries see them: JSON and booleans in either encoding. */
type AnyStore = StoreTables<Encoding>;

/**
 * The read queries of a SQL store, written once: each backend runs them on its own connection
 * (the SQLite store directly, the Postgres store inside its retry on a dropped connection), and
 * the dialect answers what differs (byte-order sorting, a list of ids as one parameter, ...).
 *
 * @example
 * ```ts
 * const reads = new StoreReads(kysely, sqliteStoreDialect);
 * await reads.getExperiment('exp_20250123_143022_a1b2c3');
 * ```
 */
export class StoreReads {
  private readonly db: Kysely<AnyStore>;
  /** The group catalog's queries. */
  readonly groups: GroupRecordQueries;

  /**
   * @param db - the store's connection
   * @param dialect - what differs between the SQL dialects
   * @param showStaleAfterMs - for a store opened only for reading: show a running run whose
   *   heartbeat is older than this as crashed, without writing (see `experimentsAsRead`)
   */
  constructor(
    db: Kysely<StoreTables<'encoded'>> | Kysely<StoreTables<'native'>>,
    private readonly dialect: StoreDialect,
    private readonly showStaleAfterMs?: number,
  ) {
    this.db = db as unknown as Kysely<AnyStore>;
    this.groups = new GroupRecordQueries(this.db, dialect);
  }

  async getAllExperiments(query: ExperimentQuery): Promise<Experiment[]> {
    const { dialect } = this;
    let q = this.db.selectFrom(this.experiments()).selectAll('e').where(selectionCondition(query, dialect.name));
    for (const term of sortTerms(query, dialect.name, Date.now())) q = q.orderBy(term);
    if (query.limit !== undefined) q = q.limit(query.limit);
    else if (query.offset !== undefined && dialect.offsetNeedsLimit) q = q.limit(-1);
    if (query.offset !== undefined) q = q.offset(query.offset);
    return (await q.execute()).map((row) => toExperiment(row, dialect));
  }

  async countExperiments(selection: ExperimentSelection): Promise<number> {
    const row = await this.db
      .selectFrom(this.experiments())
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where(selectionCondition(selection, this.dialect.name))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  getMetricValues(metric: MetricSelector, selection: ExperimentSelection): Promise<MetricValue[]> {
    return readMetricValues(metric, selection, this.dialect.name, this.experiments(), (query) => query.execute(this.db));
  }

  async getExperiment(id: string): Promise<Experiment | undefined> {
    const row = await this.db.selectFrom(this.experiments()).selectAll().where('id', '=', id).executeTakeFirst();
    return row && toExperiment(row, this.dialect);
  }

  async findExperimentIds(prefix: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('experiments')
      .select('id')
      .where(this.dialect.startsWith('id', prefix))
      .orderBy(this.dialect.byteOrder('id'))
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async getMetrics(id: string, key?: string): Promise<MetricPoint[]> {
    let q = this.db
      .selectFrom('metric_points as p')
      .innerJoin('metric_series as s', 's.id', 'p.series_id')
      .innerJoin('writers as w', 'w.id', 'p.writer_id')
      .select(['s.key', 'p.step', 'p.value', 'p.ts_offset', 'w.started_at', 'w.rank'])
      .where('s.experiment_id', '=', id);
    if (key !== undefined) q = q.where('s.key', '=', key);
    const rows = await q.orderBy(this.dialect.byteOrder('s.key')).orderBy('p.step').orderBy('p.writer_id').orderBy('p.seq').execute();
    return rows.map((r) => ({ key: r.key, step: r.step, value: r.value ?? NaN, timestamp: r.started_at + r.ts_offset, rank: r.rank }));
  }

  /**
   * A page of the experiment's points in `getMetrics` order. Within a series the page is a range
   * read of the primary key (series_id, step, writer_id, seq) after the cursor's position, so every
   * page costs the same however deep into a 20,000,000-point run it is.
   */
  async getMetricPage(id: string, query: MetricPageQuery): Promise<MetricPage> {
    const limit = metricPageLimit(query.limit);
    const after = decodeMetricCursor(query.after);
    const series = await this.db.selectFrom('metric_series').select(['id', 'key']).where('experiment_id', '=', id).orderBy(this.dialect.byteOrder('key')).execute();
    let index = 0;
    if (after !== undefined) {
      index = series.findIndex((s) => s.key === after.key);
      if (index < 0) throw invalidInput('after', query.after, `is not a cursor of experiment ${id}'s metrics`);
    }
    const points: MetricPage['points'] = [];
    let last: { key: string; step: number; writer: number; seq: number } | undefined;
    for (; index < series.length && points.length < limit; index++) {
      const { id: seriesId, key } = series[index]!;
      let q = this.db
        .selectFrom('metric_points as p')
        .innerJoin('writers as w', 'w.id', 'p.writer_id')
        .select(['p.step', 'p.writer_id', 'p.seq', 'p.value', 'p.ts_offset', 'w.started_at', 'w.rank'])
        .where('p.series_id', '=', seriesId);
      if (after !== undefined && key === after.key) {
        q = q.where((eb) => eb(eb.refTuple('p.step', 'p.writer_id', 'p.seq'), '>', eb.tuple(after.step, after.first, after.second)));
      }
      const rows = await q.orderBy('p.step').orderBy('p.writer_id').orderBy('p.seq').limit(limit - points.length).execute();
      for (const r of rows) points.push({ key, step: Number(r.step), value: r.value ?? NaN, timestamp: Number(r.started_at) + Number(r.ts_offset), rank: r.rank });
      const end = rows.at(-1);
      if (end !== undefined) last = { key, step: Number(end.step), writer: Number(end.writer_id), seq: Number(end.seq) };
    }
    const next = points.length === limit && last !== undefined ? encodeMetricCursor({ key: last.key, step: last.step, first: last.writer, second: last.seq }) : null;
    return { points, next };
  }

  async getMetricSummaries(id: string | readonly string[]): Promise<MetricSummary[]> {
    const ids = idList(id);
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom('metric_series')
      .select(['experiment_id', 'key', 'count', 'first_step', 'last_step', 'last_value', 'min_value', 'max_value'])
      .where(this.dialect.anyOf('experiment_id', ids))
      .where('count', '>', 0)
      .orderBy(this.dialect.byteOrder('key'))
      .execute();
    return orderByIds(ids, rows).map(toMetricSummary);
  }

  async getEvaluationResults(id: string | readonly string[], benchmark?: string): Promise<EvaluationRecord[]> {
    const ids = idList(id);
    if (ids.length === 0) return [];
    let q = this.db
      .selectFrom('evaluations')
      .select(['experiment_id', 'benchmark', 'metrics', 'metadata', 'step', 'sample_count', 'created_at'])
      .where(this.dialect.anyOf('experiment_id', ids));
    if (benchmark !== undefined) q = q.where('benchmark', '=', benchmark);
    const rows = await q.orderBy('id').execute();
    return orderByIds(ids, rows).map((row) => toEvaluation(row, this.dialect));
  }

  async getEvaluationSamples(id: string, benchmark?: string): Promise<StoredEvaluationSample[]> {
    let q = this.db
      .selectFrom('evaluation_samples as s')
      .innerJoin('evaluations as ev', 'ev.id', 's.evaluation_id')
      .selectAll('s')
      .select(['ev.experiment_id', 'ev.benchmark'])
      .where('ev.experiment_id', '=', id);
    if (benchmark !== undefined) q = q.where('ev.benchmark', '=', benchmark);
    return (await q.orderBy('s.evaluation_id').orderBy('s.position').execute()).map((row) => toSample(row, this.dialect));
  }

  async getCheckpoints(id: string): Promise<CheckpointRecord[]> {
    const rows = await this.db
      .selectFrom('checkpoints')
      .select(['experiment_id', 'path', 'step', 'metrics', 'size_bytes', 'sha256', 'file_count', 'created_at'])
      .where('experiment_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => toCheckpoint(row, this.dialect));
  }

  /** Counts of the store; its size on disk is the dialect's to measure. */
  async getStats(sizeBytes: () => Promise<number | null>): Promise<StoreStats> {
    const { db } = this;
    const count = (table: 'metric_points' | 'evaluations' | 'evaluation_samples' | 'checkpoints') =>
      db.selectFrom(table).select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const [statuses, span, points, evaluations, samples, checkpoints, size] = await Promise.all([
      db.selectFrom(this.experiments()).select(['status', ({ fn }) => fn.countAll<number>().as('n')]).groupBy('status').execute(),
      db.selectFrom('experiments').select(({ fn }) => [fn.min<number | null>('created_at').as('oldest'), fn.max<number | null>('created_at').as('newest')]).executeTakeFirstOrThrow(),
      count('metric_points'),
      count('evaluations'),
      count('evaluation_samples'),
      count('checkpoints'),
      sizeBytes(),
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
      sizeBytes: size,
      oldest: span.oldest,
      newest: span.newest,
    };
  }

  /** The experiments table, aliased `e`, as this store shows it (see `experimentsAsRead`). */
  private experiments() {
    return experimentsAsRead(this.showStaleAfterMs);
  }

  async getCachedResponse(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('response_cache').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async putCachedResponse(key: string, value: string): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('response_cache')
      .values({ key, value, created_at: now })
      .onConflict((c) => c.column('key').doUpdateSet({ value, created_at: now }))
      .execute();
  }
}

/** The statement that marks runs whose heartbeat stopped before `before` as crashed. */
export function markStaleRunsCrashedSql(before: number) {
  return sql`UPDATE experiments SET status = 'crashed', ended_at = heartbeat_at WHERE status = 'running' AND heartbeat_at < ${before}`;
}

function idList(id: string | readonly string[]): string[] {
  return typeof id === 'string' ? [id] : [...new Set(id)];
}

/** Rows grouped by experiment in the order the ids were given, keeping each group's order. */
function orderByIds<T extends { experiment_id: string }>(ids: readonly string[], rows: T[]): T[] {
  if (ids.length === 1) return rows;
  const position = new Map(ids.map((one, i) => [one, i]));
  return rows.map((row, i) => ({ row, i })).sort((a, b) => position.get(a.row.experiment_id)! - position.get(b.row.experiment_id)! || a.i - b.i).map((x) => x.row);
}
