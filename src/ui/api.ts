/**
 * The dashboard's JSON API over any readable store: experiments (filtered, sorted, paged), one
 * experiment's details, downsampled metric curves, comparisons with significance, the per-sample
 * view of two runs, benchmarks and leaderboards, and (only when allowed) tag and note edits.
 * Statistics come from `exptrack/analysis`; nothing here reimplements them.
 * @module
 */
import type {
  Backend,
  EvaluationRecord,
  Experiment,
  ExperimentReader,
  ExperimentSelection,
  ExperimentSortKey,
  ExperimentStatus,
  FilterExpression,
  FilterField,
  MetricOutline,
  MetricOutlineQuery,
  MetricSelector,
  StoredEvaluationSample,
} from 'exptrack';
import { CliError } from '../cli/errors.js';
import { isAuxiliaryMetric, keyMetrics, latestByBenchmark, listedExperiment, primaryMetric, type ListedExperiment } from '../cli/commands/shared.js';
import { updateExperiment } from '../cli/update-experiment.js';
import { HttpError, Query } from '../server/http.js';
import { ema, lttb, type DownsampleMethod, type Series } from './downsample.js';

/** The store the dashboard reads (and, with edits allowed, writes tags and notes to). */
export type DashboardStore = ExperimentReader & Backend;

const STATUSES: readonly ExperimentStatus[] = ['running', 'completed', 'failed', 'killed', 'crashed'];
const SORTS = ['created', 'name', 'status', 'group', 'duration', 'commit'] as const;
const VIEWS = ['a_only', 'b_only', 'differ', 'both_right', 'both_wrong', 'all'] as const;
/** How long a list of experiments (or of benchmarks) is reused before the store is asked again. */
const LIST_TTL_MS = 2000;
const BENCHMARKS_TTL_MS = 10_000;

/** One item of the per-sample view: the same sample id as run A and run B answered it. */
export interface SamplePair {
  id: string;
  attempt: number;
  prompt: string | null;
  gold: string | null;
  a: SampleSide | null;
  b: SampleSide | null;
}

/** One run's answer to an item. */
export interface SampleSide {
  output: string | null;
  extracted: string | null;
  /** Right (true), wrong (false) or not scored (null: no score, or the request failed). */
  correct: boolean | null;
  score: number | null;
  error: string | null;
}

interface Cached<T> {
  at: number;
  value: T;
}

interface AnalysisModule {
  safeParseFilter: typeof import('exptrack/analysis').safeParseFilter;
  compareExperiments: typeof import('exptrack/analysis').compareExperiments;
  leaderboard: typeof import('exptrack/analysis').leaderboard;
  wilsonInterval: typeof import('exptrack/analysis').wilsonInterval;
  costOf: typeof import('exptrack/analysis').costOf;
  withoutArchived: typeof import('exptrack/analysis').withoutArchived;
  ARCHIVED_TAG: typeof import('exptrack/analysis').ARCHIVED_TAG;
}

/** Options of {@link DashboardApi}. */
export interface DashboardApiOptions {
  /** Allow tag and note edits. @defaultValue false */
  allowEdit?: boolean;
  /** The package version, for `/api/info`. */
  version?: string;
}

/**
 * The handlers of the JSON API. Each takes the request's path parameters and query and returns a
 * JSON-serialisable answer, or throws an {@link HttpError} (or an `ExptrackError`, which the server
 * maps to a status).
 *
 * @example
 * ```ts
 * const api = new DashboardApi(store, { allowEdit: false });
 * const page = await api.experiments(new Query(new URLSearchParams('limit=10')));
 * ```
 */
export class DashboardApi {
  private readonly keyMetricCache = new Map<string, { version: string; at: number; metrics: Record<string, number> }>();
  private readonly outlines = new Map<string, { version: string; outline: MetricOutline }>();
  private readonly outlineLoads = new Map<string, Promise<MetricOutline>>();
  private benchmarkCache: Cached<{ benchmark: string; metrics: string[]; runs: number }[]> | undefined;
  private analysis: Promise<AnalysisModule> | undefined;
  private editQueue: Promise<unknown> = Promise.resolve();

  /**
   * @param store - an opened, readable store
   * @param options - edit permission and version
   */
  constructor(
    private readonly store: DashboardStore,
    private readonly options: DashboardApiOptions = {},
  ) {}

  private loadAnalysis(): Promise<AnalysisModule> {
    this.analysis ??= import('exptrack/analysis') as Promise<AnalysisModule>;
    return this.analysis;
  }

  /**
   * `GET /api/info`: version, whether edits are allowed, and the backend's name. (No counts: a
   * store counts its metric points by scanning them, and every page load asks for the info.)
   * @returns the info
   */
  async info(): Promise<Record<string, unknown>> {
    return { version: this.options.version ?? 'unknown', allowEdit: this.options.allowEdit === true, backend: this.store.name };
  }

  /**
   * `GET /api/experiments`: a page of experiments. Query: `filter` (the analysis filter language),
   * `status`, `group`, `sort` (`created`, `name`, `status`, `group`, `duration`, `commit` or
   * `metric:<key>`), `order` (`asc`/`desc`), `limit` (1..1000), `offset`, `archived` (`1` to include
   * runs tagged `archived`, hidden by default).
   *
   * @param q - the query
   * @returns `{ total, offset, limit, experiments, metricColumns }`
   * @throws HttpError 400 for a malformed filter (with `column` and `token`) or parameter
   */
  async experiments(q: Query): Promise<Record<string, unknown>> {
    // Not trimmed: the column of a parse error must match what the user typed.
    const filterText = q.string('filter', 4000) ?? '';
    const status = q.choice('status', STATUSES, '' as ExperimentStatus) || undefined;
    const group = q.string('group', 500) || undefined;
    const sortText = q.string('sort', 300) || 'created';
    const order = q.choice('order', ['asc', 'desc'] as const, sortText === 'created' ? 'desc' : 'asc');
    const limit = q.integer('limit', { min: 1, max: 1000, default: 50 });
    const offset = q.integer('offset', { min: 0, max: 1e9, default: 0 });
    const metricSort = sortText.startsWith('metric:') ? sortText.slice('metric:'.length) : undefined;
    if (metricSort === undefined && !(SORTS as readonly string[]).includes(sortText)) {
      throw new HttpError(400, `query parameter sort must be one of ${SORTS.join(', ')} or metric:<key>, not "${sortText}"`);
    }
    if (metricSort === '') throw new HttpError(400, 'query parameter sort: give the metric after metric:');

    const archived = q.choice('archived', ['0', '1'] as const, '0') === '1';
    const selection: ExperimentSelection = {};
    if (filterText.trim() !== '') selection.where = await this.parseFilterParam(filterText);
    if (!archived) selection.where = (await this.loadAnalysis()).withoutArchived(selection.where);
    if (status !== undefined) selection.status = status;
    if (group !== undefined) selection.group = group;

    // The store sorts, pages and counts: only the page is read.
    const [page, total] = await Promise.all([
      metricSort === undefined
        ? this.store.getAllExperiments({ ...selection, sort: sortText as ExperimentSortKey, direction: order, limit, offset })
        : this.pageByMetric(selection, metricSort, order, limit, offset),
      this.store.countExperiments(selection),
    ]);
    const [metrics, { costOf }] = await Promise.all([this.keyMetrics(page), this.loadAnalysis()]);
    const now = Date.now();
    const experiments = page.map((e) => listedExperiment(e, metrics.get(e.id) ?? {}, now, costOf(e.summary)));
    return { total, offset, limit, experiments, metricColumns: metricColumns(experiments) };
  }

  /**
   * A page of runs ordered by a key metric (`gsm8k/accuracy` of an evaluation, or a training
   * metric's last value, which wins when a name could be both); NaN after numbers, runs without the
   * metric last, ties newest first.
   */
  private async pageByMetric(selection: ExperimentSelection, key: string, order: 'asc' | 'desc', limit: number, offset: number): Promise<Experiment[]> {
    const slash = key.indexOf('/');
    const evaluation: MetricSelector | undefined = slash > 0 ? { benchmark: key.slice(0, slash), metric: key.slice(slash + 1) } : undefined;
    const [training, evaluated] = await Promise.all([
      this.store.getMetricValues({ metric: key }, selection),
      evaluation === undefined ? [] : this.store.getMetricValues(evaluation, selection),
    ]);
    const valueOf = new Map(evaluated.map((v) => [v.experimentId, v]));
    for (const v of training) valueOf.set(v.experimentId, v);
    const sign = order === 'asc' ? 1 : -1;
    const ranked = [...valueOf.values()].sort(
      (a, b) => Number(Number.isNaN(a.value)) - Number(Number.isNaN(b.value)) || sign * (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) || b.createdAt - a.createdAt || (a.experimentId < b.experimentId ? 1 : -1),
    );
    const ids = ranked.slice(offset, offset + limit).map((v) => v.experimentId);
    const byId = new Map((ids.length === 0 ? [] : await this.store.getAllExperiments({ ids })).map((e) => [e.id, e]));
    const page = ids.flatMap((id) => byId.get(id) ?? []);
    if (page.length === limit) return page;
    // The rest of the page: runs without the metric, newest first.
    const lacking = (field: FilterField): FilterExpression => ({ kind: 'exists', field, negated: true });
    let where: FilterExpression = lacking({ scope: 'metrics', benchmark: null, metric: key });
    if (evaluation !== undefined) where = { kind: 'and', left: where, right: lacking({ scope: 'metrics', benchmark: evaluation.benchmark ?? null, metric: evaluation.metric }) };
    if (selection.where !== undefined) where = { kind: 'and', left: selection.where, right: where };
    const rest = await this.store.getAllExperiments({ ...selection, where, limit: limit - page.length, offset: Math.max(0, offset - ranked.length) });
    return [...page, ...rest];
  }

  private async parseFilterParam(filterText: string): Promise<FilterExpression> {
    const { safeParseFilter } = await this.loadAnalysis();
    const parsed = safeParseFilter(filterText);
    if (!parsed.success) {
      const details = parsed.error.value as { column?: number; token?: string } | undefined;
      throw new HttpError(400, parsed.error.message, { field: 'filter', column: details?.column ?? null, token: details?.token ?? null });
    }
    return parsed.filter;
  }

  /**
   * The key metrics of runs, by id: each cached while its run does not change; the rest read in two
   * batched queries (evaluations and metric summaries of many runs at once).
   */
  private async keyMetrics(experiments: readonly Experiment[]): Promise<Map<string, Record<string, number>>> {
    const result = new Map<string, Record<string, number>>();
    const missing: Experiment[] = [];
    const now = Date.now();
    const versionOf = (e: Experiment) => `${e.status}:${e.heartbeatAt}:${e.endedAt}`;
    for (const e of experiments) {
      const hit = this.keyMetricCache.get(e.id);
      if (hit !== undefined && hit.version === versionOf(e) && (e.status !== 'running' || now - hit.at < LIST_TTL_MS)) result.set(e.id, hit.metrics);
      else missing.push(e);
    }
    const byRun = await keyMetrics(this.store, missing.map((e) => e.id));
    if (this.keyMetricCache.size > 50_000) this.keyMetricCache.clear();
    for (const e of missing) {
      const metrics = byRun.get(e.id) ?? {};
      this.keyMetricCache.set(e.id, { version: versionOf(e), at: now, metrics });
      result.set(e.id, metrics);
    }
    return result;
  }

  /**
   * `GET /api/experiments/:id`: the experiment with its metric summaries, evaluations and checkpoints.
   * @param idOrPrefix - an id or a unique prefix
   * @returns the details
   * @throws HttpError 404 for an unknown id, 400 for an ambiguous prefix
   */
  async experiment(idOrPrefix: string): Promise<Record<string, unknown>> {
    const experiment = await this.resolve(idOrPrefix);
    const [metrics, evaluations, checkpoints] = await Promise.all([
      this.store.getMetricSummaries(experiment.id),
      this.store.getEvaluationResults(experiment.id),
      this.store.getCheckpoints(experiment.id),
    ]);
    const { wilsonInterval } = await this.loadAnalysis();
    return { experiment, metrics, evaluations: evaluations.map((r) => ({ ...r, interval: evaluationInterval(r, wilsonInterval) })), checkpoints };
  }

  private async resolve(idOrPrefix: string): Promise<Experiment> {
    if (idOrPrefix.length > 500) throw new HttpError(400, 'the experiment id is too long');
    const exact = await this.store.getExperiment(idOrPrefix);
    if (exact !== undefined) return exact;
    const ids = idOrPrefix === '' ? [] : await this.store.findExperimentIds(idOrPrefix, 2);
    if (ids.length > 1) throw new HttpError(400, `experiment id prefix "${idOrPrefix}" is ambiguous`);
    const found = ids.length === 1 ? await this.store.getExperiment(ids[0] as string) : undefined;
    if (found === undefined) throw new HttpError(404, `no experiment with id "${idOrPrefix}"`);
    return found;
  }

  /**
   * `GET /api/experiments/:id/metric`: one training metric, reduced to the chart's width. Query:
   * `key` (required), `points` (the chart's width in points, 10..10000, default 1000), `from`/`to`
   * (a step window, both included, for zooming), `smoothing` (EMA weight in [0, 0.999]), `method`
   * (`lttb` or `minmax`).
   *
   * The store outlines the window (`getMetricOutline`): for `minmax` in `points / 2` columns, its
   * lowest and highest point each; for `lttb` in `points` columns, then largest-triangle-three-
   * buckets picks `points` of those. A zoomed window is outlined again, so it shows real detail.
   * Smoothing applies to the points the store returned: when the window was reduced, it smooths the
   * drawn points, not every logged one (as TensorBoard smooths its sampled points), and it starts
   * afresh at the window's first point.
   *
   * @param idOrPrefix - the experiment
   * @param q - the query
   * @returns `{ key, total, inWindow, nonFinite, method, status, x, y }`: `total` points logged,
   *   `inWindow` of them in the window, `nonFinite` of those NaN or ±Infinity (never drawn),
   *   `method` the reduction that applied (`lttb`, `minmax` or `none`), x and y of equal length
   * @throws HttpError 404 for an unknown experiment or metric, 400 for a malformed parameter
   */
  async metric(idOrPrefix: string, q: Query): Promise<Record<string, unknown>> {
    const key = q.required('key');
    const points = q.integer('points', { min: 10, max: 10_000, default: 1000 });
    const from = q.number('from', { default: undefined });
    const to = q.number('to', { default: undefined });
    const smoothing = q.number('smoothing', { min: 0, max: 0.999, default: 0 });
    const method = q.choice<DownsampleMethod>('method', ['lttb', 'minmax'], 'lttb');
    if (from !== undefined && to !== undefined && from > to) throw new HttpError(400, 'query parameter from must not be greater than to');
    const experiment = await this.resolve(idOrPrefix);
    const buckets = method === 'lttb' ? points : Math.floor(points / 2);
    const { total, outline } = await this.outline(experiment.id, key, { buckets, ...(from === undefined ? {} : { fromStep: from }), ...(to === undefined ? {} : { toStep: to }) });
    const drawn: Series = { x: Float64Array.from(outline.steps), y: Float64Array.from(outline.values) };
    const smoothed: Series = smoothing > 0 ? { x: drawn.x, y: ema(drawn.y, smoothing) } : drawn;
    const reduced = method === 'lttb' ? lttb(smoothed, points) : smoothed;
    return {
      key,
      total,
      inWindow: outline.count,
      nonFinite: outline.nonFinite,
      method: reduced.x.length < drawn.x.length ? 'lttb' : outline.reduced ? 'minmax' : 'none',
      status: experiment.status,
      x: Array.from(reduced.x),
      y: Array.from(reduced.y),
    };
  }

  /**
   * A window of a metric as the store outlines it, with the metric's point count. Reused while the
   * metric does not change (its summary's count, last step and last value); requests for the same
   * window while it is read (raw and smoothed, several charts) share one read.
   */
  private async outline(id: string, key: string, query: MetricOutlineQuery): Promise<{ total: number; outline: MetricOutline }> {
    const summary = (await this.store.getMetricSummaries(id)).find((s) => s.key === key);
    if (summary === undefined) throw new HttpError(404, `experiment ${id} has no metric "${key}"`);
    const version = `${summary.count}:${summary.lastStep}:${summary.last}`;
    const cacheKey = JSON.stringify([id, key, query.fromStep ?? null, query.toStep ?? null, query.buckets]);
    const hit = this.outlines.get(cacheKey);
    if (hit !== undefined && hit.version === version) return { total: summary.count, outline: hit.outline };
    const loadKey = `${cacheKey}\u0000${version}`;
    let load = this.outlineLoads.get(loadKey);
    if (load === undefined) {
      load = this.store.getMetricOutline(id, key, query).finally(() => this.outlineLoads.delete(loadKey));
      this.outlineLoads.set(loadKey, load);
    }
    const outline = await load;
    // Keep a few windows: the ones on the page being looked at.
    if (this.outlines.size >= 64 && !this.outlines.has(cacheKey)) this.outlines.delete(this.outlines.keys().next().value as string);
    this.outlines.set(cacheKey, { version, outline });
    return { total: summary.count, outline };
  }

  /**
   * `GET /api/compare`: `compareExperiments` of `exptrack/analysis`. Query: `ids` (2..10,
   * comma-separated; the first is the baseline), `alpha`, `benchmark`.
   * @param q - the query
   * @returns the comparison, with each run's metric summaries (`curves`) for the overlaid charts
   * @throws HttpError 400 for malformed parameters, 404 for an unknown id
   */
  async compare(q: Query): Promise<Record<string, unknown>> {
    const ids = q.list('ids', { min: 2, max: 10 });
    const alpha = q.number('alpha', { min: 1e-6, max: 0.5, default: 0.05 });
    const benchmark = q.string('benchmark', 500) || undefined;
    const experiments = await Promise.all(ids.map((id) => this.resolve(id)));
    const { compareExperiments } = await this.loadAnalysis();
    const result = await compareExperiments(
      experiments.map((e) => e.id),
      { store: this.store, alpha, ...(benchmark === undefined ? {} : { benchmark }) },
    );
    const summaries = await Promise.all(experiments.map((e) => this.store.getMetricSummaries(e.id)));
    const keys = new Map<string, number>();
    for (const list of summaries) for (const s of list) keys.set(s.key, (keys.get(s.key) ?? 0) + 1);
    const benchmarks = await Promise.all(experiments.map(async (e) => new Set((await this.store.getEvaluationResults(e.id)).map((r) => r.benchmark))));
    const shared = [...(benchmarks[0] ?? new Set<string>())].filter((b) => benchmarks.every((set) => set.has(b)));
    return { ...result, metricKeys: [...keys.keys()], sharedBenchmarks: shared };
  }

  /**
   * `GET /api/compare/samples`: the items of a benchmark as two runs answered them, paired by
   * sample id (and attempt). Query: `a`, `b`, `benchmark`, `view` (`a_only`: A right and B wrong,
   * `b_only`, `differ`, `both_right`, `both_wrong`, `all`), `q` (text searched in the id, prompt,
   * outputs and gold), `limit`, `offset`.
   *
   * @param q - the query
   * @returns `{ benchmark, counts, total, rows }`
   * @throws HttpError 400 for malformed parameters, 404 for an unknown id or a benchmark neither run has
   */
  async compareSamples(q: Query): Promise<Record<string, unknown>> {
    const a = await this.resolve(q.required('a'));
    const b = await this.resolve(q.required('b'));
    const benchmark = q.required('benchmark');
    const view = q.choice('view', VIEWS, 'differ');
    const text = (q.string('q', 500) ?? '').toLowerCase();
    const limit = q.integer('limit', { min: 1, max: 500, default: 50 });
    const offset = q.integer('offset', { min: 0, max: 1e9, default: 0 });
    const [samplesA, samplesB] = await Promise.all([this.store.getEvaluationSamples(a.id, benchmark), this.store.getEvaluationSamples(b.id, benchmark)]);
    if (samplesA.length === 0 && samplesB.length === 0) throw new HttpError(404, `neither run has per-sample rows for benchmark "${benchmark}"`);
    const pairs = pairSamples(samplesA, samplesB);
    const counts = { a_only: 0, b_only: 0, both_right: 0, both_wrong: 0, unpaired: 0, unscored: 0, all: pairs.length };
    const classify = (p: SamplePair): (typeof VIEWS)[number] | 'unpaired' | 'unscored' => {
      if (p.a === null || p.b === null) return 'unpaired';
      if (p.a.correct === null || p.b.correct === null) return 'unscored';
      if (p.a.correct && !p.b.correct) return 'a_only';
      if (!p.a.correct && p.b.correct) return 'b_only';
      return p.a.correct ? 'both_right' : 'both_wrong';
    };
    const kinds = pairs.map(classify);
    for (const k of kinds) if (k !== 'all' && k !== 'differ') counts[k] += 1;
    const selected = pairs.filter((p, i) => {
      const kind = kinds[i];
      const inView = view === 'all' || kind === view || (view === 'differ' && (kind === 'a_only' || kind === 'b_only'));
      return inView && (text === '' || matchesText(p, text));
    });
    return { a: a.id, b: b.id, benchmark, view, counts, total: selected.length, offset, limit, rows: selected.slice(offset, offset + limit) };
  }

  /**
   * `GET /api/benchmarks`: the benchmarks evaluated in the store, with their metrics and how many runs have them.
   * @returns `{ benchmarks }`
   */
  async benchmarks(): Promise<Record<string, unknown>> {
    if (this.benchmarkCache !== undefined && Date.now() - this.benchmarkCache.at < BENCHMARKS_TTL_MS) return { benchmarks: this.benchmarkCache.value };
    const ids = (await this.store.getAllExperiments()).map((e) => e.id);
    const found = new Map<string, { metrics: Set<string>; runs: number }>();
    for (let i = 0; i < ids.length; i += 2000) {
      const byRun = new Map<string, EvaluationRecord[]>();
      for (const r of await this.store.getEvaluationResults(ids.slice(i, i + 2000))) byRun.set(r.experimentId, [...(byRun.get(r.experimentId) ?? []), r]);
      for (const records of byRun.values()) {
        for (const r of latestByBenchmark(records)) {
          const entry = found.get(r.benchmark) ?? { metrics: new Set<string>(), runs: 0 };
          entry.runs += 1;
          for (const m of Object.keys(r.metrics)) if (!isAuxiliaryMetric(m)) entry.metrics.add(m);
          found.set(r.benchmark, entry);
        }
      }
    }
    const value = [...found.entries()].map(([benchmark, v]) => ({ benchmark, metrics: [...v.metrics].sort(), runs: v.runs })).sort((x, y) => x.benchmark.localeCompare(y.benchmark));
    this.benchmarkCache = { at: Date.now(), value };
    return { benchmarks: value };
  }

  /**
   * `GET /api/leaderboard`: `leaderboard` of `exptrack/analysis`. Query: `benchmark`, `metric`
   * (default accuracy with a benchmark), `groupBy` (`none`, `group`, `config`), `filter`,
   * `confidence`, `top`, `value` (`last`/`best`, training metrics).
   * @param q - the query
   * @returns the leaderboard
   * @throws HttpError 400 for malformed parameters or filter
   */
  async leaderboard(q: Query): Promise<unknown> {
    const benchmark = q.string('benchmark', 500) || undefined;
    const metric = q.string('metric', 500) || (benchmark === undefined ? undefined : 'accuracy');
    if (metric === undefined) throw new HttpError(400, 'give a benchmark, or a training metric');
    const groupBy = q.choice('groupBy', ['none', 'group', 'config'] as const, 'none');
    const filter = q.string('filter', 4000)?.trim() || undefined;
    const confidence = q.number('confidence', { min: 0.5, max: 0.999, default: 0.95 });
    const top = q.integer('top', { min: 1, max: 10_000, default: 200 });
    const value = q.choice('value', ['last', 'best'] as const, 'last');
    const archived = q.choice('archived', ['0', '1'] as const, '0') === '1';
    if (filter !== undefined) await this.parseFilterParam(filter);
    const { leaderboard } = await this.loadAnalysis();
    return leaderboard({
      store: this.store,
      metric,
      groupBy,
      confidence,
      top,
      archived,
      ...(benchmark === undefined ? { value } : { benchmark }),
      ...(filter === undefined ? {} : { filter }),
    });
  }

  /**
   * `POST /api/experiments/:id/tags` with `{ "set": { key: value }, "remove": [key] }`. Only with
   * edits allowed. Writes through the tracker, so its validation applies.
   * @param idOrPrefix - the experiment
   * @param body - the parsed JSON body
   * @returns `{ id, tags }` after the change
   * @throws HttpError 403 when edits are not allowed, 400 for a malformed body
   */
  async setTags(idOrPrefix: string, body: unknown): Promise<Record<string, unknown>> {
    this.assertEditable();
    if (!isPlainObject(body)) throw new HttpError(400, 'send { "set": { "key": "value" }, "remove": ["key"] }');
    const changes: Record<string, string | null> = {};
    if (body.set !== undefined) {
      if (!isPlainObject(body.set)) throw new HttpError(400, 'set must be an object of string values');
      for (const [k, v] of Object.entries(body.set)) {
        if (typeof v !== 'string') throw new HttpError(400, `tag ${JSON.stringify(k)} must have a string value`);
        changes[k] = v;
      }
    }
    if (body.remove !== undefined) {
      if (!Array.isArray(body.remove) || !body.remove.every((k): k is string => typeof k === 'string')) throw new HttpError(400, 'remove must be a list of tag keys');
      for (const k of body.remove) changes[k] = null;
    }
    if (Object.keys(changes).length === 0) throw new HttpError(400, 'nothing to change: give set or remove');
    const experiment = await this.resolve(idOrPrefix);
    await this.edit(experiment.id, (t) => t.setTags(changes));
    return { id: experiment.id, tags: (await this.store.getExperiment(experiment.id))?.tags ?? {} };
  }

  /**
   * `POST /api/experiments/:id/notes` with `{ "notes": "..." }`. Only with edits allowed.
   * @param idOrPrefix - the experiment
   * @param body - the parsed JSON body
   * @returns `{ id, notes }` after the change
   * @throws HttpError 403 when edits are not allowed, 400 for a malformed body
   */
  async setNotes(idOrPrefix: string, body: unknown): Promise<Record<string, unknown>> {
    this.assertEditable();
    if (!isPlainObject(body) || typeof body.notes !== 'string') throw new HttpError(400, 'send { "notes": "..." }');
    if (body.notes.length > 100_000) throw new HttpError(400, 'notes are limited to 100,000 characters');
    const notes = body.notes;
    const experiment = await this.resolve(idOrPrefix);
    await this.edit(experiment.id, (t) => t.setNotes(notes));
    return { id: experiment.id, notes: (await this.store.getExperiment(experiment.id))?.notes ?? '' };
  }

  /**
   * `GET /api/sweeps`: every sweep of the store (trials grouped by `sweep_<id>`), newest first.
   * @returns `{ sweeps }`
   */
  async sweeps(): Promise<Record<string, unknown>> {
    const { listSweeps } = await import('../cli/sweep/list-sweeps.js');
    return { sweeps: await listSweeps(this.store) };
  }

  /**
   * `GET /api/sweeps/:id`: one sweep's definition, trials, best trial and parameter importance, as
   * `exptrack sweep show --json` prints them.
   * @param id - the sweep id
   * @returns the sweep
   * @throws HttpError 404 when the store holds no such sweep
   */
  async sweep(id: string): Promise<unknown> {
    if (id.length > 200) throw new HttpError(400, 'the sweep id is too long');
    const { sweepDetails } = await import('../cli/sweep/sweep-details.js');
    try {
      return await sweepDetails(this.store, id);
    } catch (error) {
      if (error instanceof CliError) throw new HttpError(404, error.message);
      throw error;
    }
  }

  /**
   * `POST /api/experiments/:id/archive` with `{ "archived": true | false }`: tags the run `archived`
   * (hidden by default in lists and leaderboards) or removes the tag. Only with edits allowed.
   * @param idOrPrefix - the experiment
   * @param body - the parsed JSON body
   * @returns `{ id, archived }` after the change
   * @throws HttpError 403 when edits are not allowed, 400 for a malformed body
   */
  async archive(idOrPrefix: string, body: unknown): Promise<Record<string, unknown>> {
    this.assertEditable();
    if (!isPlainObject(body) || typeof body.archived !== 'boolean') throw new HttpError(400, 'send { "archived": true } or { "archived": false }');
    const archived = body.archived;
    const { ARCHIVED_TAG } = await this.loadAnalysis();
    const experiment = await this.resolve(idOrPrefix);
    await this.edit(experiment.id, (t) => t.setTags({ [ARCHIVED_TAG]: archived ? '' : null }));
    return { id: experiment.id, archived: (await this.store.getExperiment(experiment.id))?.tags[ARCHIVED_TAG] !== undefined };
  }

  /**
   * `POST /api/experiments/:id/delete` with `{ "confirm": "<the full id>" }`: deletes the run and
   * everything logged to it. Only with edits allowed; the full id must be repeated, so a prefix or a
   * stale page cannot delete the wrong run.
   * @param idOrPrefix - the experiment
   * @param body - the parsed JSON body
   * @returns `{ id, deleted }`
   * @throws HttpError 403 when edits are not allowed, 400 when `confirm` is not the run's full id
   */
  async deleteRun(idOrPrefix: string, body: unknown): Promise<Record<string, unknown>> {
    this.assertEditable();
    const experiment = await this.resolve(idOrPrefix);
    if (!isPlainObject(body) || body.confirm !== experiment.id) throw new HttpError(400, `send { "confirm": "${experiment.id}" } to delete this run`);
    const deleted = await this.editQueue.then(() => this.store.deleteExperiment(experiment.id));
    return { id: experiment.id, deleted };
  }

  private assertEditable(): void {
    if (this.options.allowEdit !== true) throw new HttpError(403, 'the dashboard is read-only: start it with --allow-edit to edit tags and notes, archive or delete runs');
  }

  /**
   * Changes a stored run through a strict tracker that joins it as a child process would
   * (`EXPTRACK_EXPERIMENT_ID`), leaving its status alone. Edits run one at a time, because the
   * variable is process-wide.
   */
  private edit(id: string, change: (tracker: import('exptrack').ExperimentTracker) => void): Promise<void> {
    const run = () => updateExperiment(this.store, id, change);
    const next = this.editQueue.then(run, run);
    this.editQueue = next.catch(() => undefined);
    return next;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How many metric columns the experiments table shows at most (it scrolls sideways). */
const METRIC_COLUMNS = 12;

/** The most common metric keys of a page, evaluations first: the table's metric columns. */
function metricColumns(rows: readonly ListedExperiment[]): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()]
    .sort((x, y) => Number(y[0].includes('/')) - Number(x[0].includes('/')) || y[1] - x[1] || x[0].localeCompare(y[0]))
    .slice(0, METRIC_COLUMNS)
    .map(([k]) => k);
}

/** The 95% interval of an evaluation's main metric, and where it comes from. */
export interface EvaluationInterval {
  metric: string;
  lower: number;
  upper: number;
  method: string;
}

/**
 * The 95% interval of an evaluation's main metric: its logged `_ci_lower`/`_ci_upper`, else ±1.96
 * of its logged `_stderr`, else for a proportion of `sampleCount` items the Wilson interval.
 */
function evaluationInterval(r: EvaluationRecord, wilson: AnalysisModule['wilsonInterval']): EvaluationInterval | null {
  const metric = primaryMetric(r.metrics);
  if (metric === undefined) return null;
  const value = r.metrics[metric] as number;
  const lower = r.metrics[`${metric}_ci_lower`];
  const upper = r.metrics[`${metric}_ci_upper`];
  if (lower !== undefined && upper !== undefined) return { metric, lower, upper, method: 'logged interval' };
  const se = r.metrics[`${metric}_stderr`];
  if (se !== undefined && Number.isFinite(se)) return { metric, lower: value - 1.96 * se, upper: value + 1.96 * se, method: '±1.96 standard errors' };
  const n = r.sampleCount;
  const k = value * n;
  if (n > 0 && value >= 0 && value <= 1 && Math.abs(k - Math.round(k)) < 1e-6) {
    const w = wilson(Math.round(k), n);
    return { metric, lower: w.lower, upper: w.upper, method: `Wilson interval, ${n} items` };
  }
  return null;
}

function side(s: StoredEvaluationSample): SampleSide {
  const scored = s.error == null;
  const correct = !scored ? null : s.correct ?? (typeof s.score === 'number' ? s.score >= 0.5 : null);
  return { output: s.output ?? null, extracted: s.extracted ?? null, correct, score: s.score ?? null, error: s.error ?? null };
}

/** Pairs the samples of two runs by id and attempt; a later row for the same item replaces an earlier one. */
function pairSamples(a: readonly StoredEvaluationSample[], b: readonly StoredEvaluationSample[]): SamplePair[] {
  const pairs = new Map<string, SamplePair>();
  const add = (s: StoredEvaluationSample, which: 'a' | 'b') => {
    const attempt = s.attempt ?? 0;
    const key = `${s.id}\u0000${attempt}`;
    const pair = pairs.get(key) ?? { id: s.id, attempt, prompt: null, gold: null, a: null, b: null };
    pair.prompt = s.prompt ?? pair.prompt;
    pair.gold = s.gold ?? pair.gold;
    pair[which] = side(s);
    pairs.set(key, pair);
  };
  for (const s of a) add(s, 'a');
  for (const s of b) add(s, 'b');
  return [...pairs.values()];
}

function matchesText(p: SamplePair, text: string): boolean {
  const fields = [p.id, p.prompt, p.gold, p.a?.output, p.a?.extracted, p.b?.output, p.b?.extracted];
  return fields.some((f) => typeof f === 'string' && f.toLowerCase().includes(text));
}
