import type { ExperimentQuery, ExperimentReader, ExperimentSelection, MetricPage, MetricPageQuery, MetricSelector, MetricValue, ResponseCacheStore } from '../../core/backend.js';
import type { GroupCatalog, GroupRecord, GroupRecordChanges } from '../../core/group-catalog.js';
import type { CheckpointRecord, EvaluationRecord, Experiment, MetricOutline, MetricOutlineQuery, MetricPoint, MetricSummary, StoreStats, StoredEvaluationSample } from '../../core/types.js';
import type { StoreReads } from './store-reads.js';

/**
 * The read side of both SQL stores, written once: every read runs the shared query of
 * {@link StoreReads} through the store's `withReads`, which opens the store (and, for a listing,
 * first marks runs whose heartbeat stopped as crashed); the Postgres store also retries a read once
 * more on a fresh connection when the first was dropped. What a dialect reads its own way (the metric
 * outline, deleting a run) stays in its backend.
 */
export abstract class SqlStore implements ExperimentReader, ResponseCacheStore, GroupCatalog {
  /** Runs a read on the open store; with `listing`, stale runs are marked crashed first. */
  protected abstract withReads<T>(body: (reads: StoreReads) => Promise<T>, listing?: boolean): Promise<T>;

  /** The store's size in bytes, for `getStats`, or null when it has none (an in-memory database). */
  protected abstract storeSize(): Promise<number | null>;

  abstract getMetricOutline(id: string, key: string, query: MetricOutlineQuery): Promise<MetricOutline>;

  abstract deleteExperiment(id: string): Promise<boolean>;

  /**
   * Lists experiments, newest first unless asked otherwise; runs whose heartbeat stopped are marked
   * crashed first. `where` takes a parsed filter (see `parseFilter` of `exptrack/analysis`).
   *
   * @param query - status, group, ids, filter, order, limit and offset
   * @returns the matching experiments
   * @throws ExptrackError `unavailable` when the store cannot be read, `invalid_input` for a
   *   malformed filter.
   *
   * @example
   * ```ts
   * const best = await store.getAllExperiments({ status: 'completed', limit: 10 });
   * ```
   */
  getAllExperiments(query: ExperimentQuery = {}): Promise<Experiment[]> {
    return this.withReads((reads) => reads.getAllExperiments(query), true);
  }

  /**
   * How many experiments a selection picks (after marking stale runs crashed), counted by the server.
   *
   * @param selection - status, group, ids and filter
   * @returns the count
   * @throws ExptrackError `unavailable` when the store cannot be read, `invalid_input` for a
   *   malformed filter.
   *
   * @example
   * ```ts
   * const running = await store.countExperiments({ status: 'running' });
   * ```
   */
  countExperiments(selection: ExperimentSelection = {}): Promise<number> {
    return this.withReads((reads) => reads.countExperiments(selection), true);
  }

  /**
   * One metric of every selected run that has it, in no particular order, in one query: a metric of a
   * benchmark's latest evaluation, or a training metric's last, min or max value.
   *
   * @param metric - the metric
   * @param selection - status, group, ids and filter
   * @returns the values, NaN and ±Infinity included
   * @throws ExptrackError `unavailable` when the store cannot be read, `invalid_input` for a
   *   malformed filter or value.
   *
   * @example
   * ```ts
   * const scores = await store.getMetricValues({ benchmark: 'gsm8k', metric: 'accuracy' }, { status: 'completed' });
   * ```
   */
  getMetricValues(metric: MetricSelector, selection: ExperimentSelection = {}): Promise<MetricValue[]> {
    return this.withReads((reads) => reads.getMetricValues(metric, selection), true);
  }

  /**
   * One experiment (after marking stale runs crashed).
   *
   * @param id - the experiment's id
   * @returns the experiment, or undefined when no experiment has that id
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const run = await store.getExperiment('exp_20250123_143022_a1b2c3');
   * ```
   */
  getExperiment(id: string): Promise<Experiment | undefined> {
    return this.withReads((reads) => reads.getExperiment(id), true);
  }

  /**
   * Ids that start with `prefix`, in byte order.
   *
   * @param prefix - the start of an id
   * @param limit - at most this many
   * @returns the matching ids
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * await store.findExperimentIds('exp_2025'); // ['exp_20250123_143022_a1b2c3', ...]
   * ```
   */
  findExperimentIds(prefix: string, limit = 10): Promise<string[]> {
    return this.withReads((reads) => reads.findExperimentIds(prefix, limit));
  }

  /**
   * The points of an experiment, ordered by key, step, then logging order.
   *
   * @param id - the experiment's id
   * @param key - only this metric
   * @returns the points, with their timestamps and ranks
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const loss = await store.getMetrics(id, 'loss');
   * ```
   */
  getMetrics(id: string, key?: string): Promise<MetricPoint[]> {
    return this.withReads((reads) => reads.getMetrics(id, key));
  }

  /**
   * The experiment's points a page at a time, in the order of {@link SqlStore.getMetrics}; each page
   * is one range read of the primary key, as fast at the end of a 20,000,000-point run as at its start.
   *
   * @param id - the experiment's id
   * @param query - the previous page's `next` cursor and the page size (1..100,000, default 10,000)
   * @returns the points and the next page's cursor (null after the last page)
   * @throws ExptrackError `invalid_input` for a bad limit or cursor, `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * let page = await store.getMetricPage(id, { limit: 50_000 });
   * while (page.next !== null) page = await store.getMetricPage(id, { limit: 50_000, after: page.next });
   * ```
   */
  getMetricPage(id: string, query: MetricPageQuery = {}): Promise<MetricPage> {
    return this.withReads((reads) => reads.getMetricPage(id, query));
  }

  /**
   * Per-key figures of experiments' metrics, kept up to date as points arrive.
   *
   * @param id - an experiment's id, or several (read in one query)
   * @returns the summaries, by experiment (in the order of the ids given) then key
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const [loss] = await store.getMetricSummaries(id); // { key: 'loss', count, min, max, last, ... }
   * const all = await store.getMetricSummaries([idA, idB]);
   * ```
   */
  getMetricSummaries(id: string | readonly string[]): Promise<MetricSummary[]> {
    return this.withReads((reads) => reads.getMetricSummaries(id));
  }

  /**
   * The evaluations of experiments, in the order they were logged (the last of a benchmark is its
   * latest).
   *
   * @param id - an experiment's id, or several (read in one query)
   * @param benchmark - only this benchmark
   * @returns the evaluations, by experiment (in the order of the ids given) then logging order;
   *   samples are read with `getEvaluationSamples`
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const [gsm8k] = await store.getEvaluationResults(id, 'gsm8k');
   * ```
   */
  getEvaluationResults(id: string | readonly string[], benchmark?: string): Promise<EvaluationRecord[]> {
    return this.withReads((reads) => reads.getEvaluationResults(id, benchmark));
  }

  /**
   * The per-sample rows of an experiment's evaluations, in logging order.
   *
   * @param id - the experiment's id
   * @param benchmark - only this benchmark
   * @returns the samples, each with its experiment and benchmark
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const wrong = (await store.getEvaluationSamples(id, 'gsm8k')).filter((s) => s.correct === false);
   * ```
   */
  getEvaluationSamples(id: string, benchmark?: string): Promise<StoredEvaluationSample[]> {
    return this.withReads((reads) => reads.getEvaluationSamples(id, benchmark));
  }

  /**
   * The checkpoints of an experiment, in logging order.
   *
   * @param id - the experiment's id
   * @returns the checkpoints with their sizes and hashes
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const checkpoints = await store.getCheckpoints(id);
   * ```
   */
  getCheckpoints(id: string): Promise<CheckpointRecord[]> {
    return this.withReads((reads) => reads.getCheckpoints(id));
  }

  /**
   * Counts and sizes of the store; `sizeBytes` is the size of the file (SQLite, with its
   * WAL) or of the schema's tables and indexes (Postgres `pg_total_relation_size`).
   *
   * @returns the figures
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const { experiments, metricPoints, sizeBytes } = await store.getStats();
   * ```
   */
  getStats(): Promise<StoreStats> {
    return this.withReads((reads) => reads.getStats(() => this.storeSize()), true);
  }

  /**
   * A cached model response.
   *
   * @param key - the response's hash
   * @returns the cached value, or undefined
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const cached = await store.getCachedResponse(hash);
   * ```
   */
  getCachedResponse(key: string): Promise<string | undefined> {
    return this.withReads((reads) => reads.getCachedResponse(key));
  }

  /**
   * Stores (or replaces) a model response.
   *
   * @param key - the response's hash
   * @param value - the response
   * @returns when it is stored
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * await store.putCachedResponse(hash, JSON.stringify(response));
   * ```
   */
  putCachedResponse(key: string, value: string): Promise<void> {
    return this.withReads((reads) => reads.putCachedResponse(key, value));
  }

  /**
   * Every record of the group catalog, deleted ones included, by id.
   *
   * @returns the records
   * @throws ExptrackError `unavailable` when the store cannot be read.
   *
   * @example
   * ```ts
   * const groups = await store.listGroupRecords();
   * ```
   */
  listGroupRecords(): Promise<GroupRecord[]> {
    return this.withReads((reads) => reads.groups.list());
  }

  /**
   * Creates a record of the group catalog; its group is its name.
   *
   * @param input - the name and tags
   * @returns the record, with the id the store assigned
   * @throws ExptrackError `already_exists` when a record has the name.
   *
   * @example
   * ```ts
   * const { id } = await store.createGroupRecord({ name: 'mnist', tags: {} });
   * ```
   */
  createGroupRecord(input: { name: string; tags: Record<string, string> }): Promise<GroupRecord> {
    return this.withReads((reads) => reads.groups.create(input));
  }

  /**
   * Renames, soft-deletes, restores or retags a record of the group catalog.
   *
   * @param id - the record's id
   * @param changes - what changes (tags merge; null removes one)
   * @returns the record as changed, or undefined when no record has the id
   * @throws ExptrackError `already_exists` when renamed to a taken name.
   *
   * @example
   * ```ts
   * await store.updateGroupRecord('1', { deleted: true });
   * ```
   */
  updateGroupRecord(id: string, changes: GroupRecordChanges): Promise<GroupRecord | undefined> {
    return this.withReads((reads) => reads.groups.update(id, changes));
  }
}
