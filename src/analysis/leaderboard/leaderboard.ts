import type { ExperimentReader, ExperimentSelection, MetricSelector, MetricValue } from '../../core/backend.js';
import type { FilterExpression } from '../../core/filter.js';
import type { Experiment, ExperimentStatus, JsonValue } from '../../core/types.js';
import { studentTQuantile } from '../stats/index.js';
import { flattenConfig, sameJson, varyingKeys } from '../internal/flatten-config.js';
import type { ItemScores } from '../internal/item-scores.js';
import { declaredMetricGoal, goalFromMetricName } from '../../core/metric-goal.js';
import { withoutArchived } from '../filter/archived.js';
import { ExptrackError } from '../../core/errors.js';
import { oneOfOption, optionalInteger, readConfidence, requireName, requireReader } from '../internal/options.js';
import { resolveFilter } from '../internal/resolve-filter.js';
import { evaluationScore, trainingScore, type RunScore, type UncertaintySource } from '../internal/run-score.js';
import { itemUncertainty } from '../internal/uncertainty.js';
import { mapLimit } from '../internal/map-limit.js';
import { preloadedReader } from '../internal/cached-reader.js';
import { costOf, sumCosts, type RunCost } from '../cost/cost-of-run.js';
import { paretoFront } from '../cost/pareto-front.js';

/** Reads in flight at once while scoring runs. */
const READ_CONCURRENCY = 4;

/**
 * Options of {@link leaderboard}.
 *
 * @example
 * ```ts
 * const options: LeaderboardOptions = { store, benchmark: 'gsm8k', metric: 'accuracy', top: 10 };
 * ```
 */
export interface LeaderboardOptions {
  /** Any readable backend. */
  store: ExperimentReader;
  /** The metric to rank by: an evaluation metric with `benchmark`, else a training metric key. */
  metric: string;
  /** The benchmark of an evaluation metric; omit to rank by a training metric. */
  benchmark?: string;
  /**
   * Training metrics only: the `last` value (at the highest step) or the `best` one (the minimum
   * when ranking ascending, else the maximum).
   * @defaultValue `'last'`
   */
  value?: 'last' | 'best';
  /** How many rows (or groups) to list; all by default. */
  top?: number;
  /** Which runs to consider: filter text (see {@link parseFilter}) or a parsed filter. */
  filter?: string | FilterExpression;
  /** Only runs with this status (or one of these). */
  status?: ExperimentStatus | readonly ExperimentStatus[];
  /**
   * Rank archived runs too (those tagged `archived`, see `ARCHIVED_TAG`).
   * @defaultValue false
   */
  archived?: boolean;
  /**
   * `'none'`: one row per run. `'group'`: one row per experiment group (runs with no group stand
   * alone). `'config'`: one row per config, ignoring keys named `seed` (runs that differ only by seed).
   * @defaultValue `'none'`
   */
  groupBy?: 'none' | 'group' | 'config';
  /**
   * `'desc'` (higher is better) or `'asc'`. By default from the metric's goal: the one the newest
   * ranked run declared with `tracker.defineMetric` (a declared `none` must be given an order), else
   * the one its name implies (see `goalFromMetricName`: loss, error… ascend; accuracy, f1… descend),
   * else descending, reported as `orderSource: 'assumed'`.
   */
  order?: 'asc' | 'desc';
  /**
   * The confidence level of the intervals.
   * @defaultValue `0.95`
   */
  confidence?: number;
}

/**
 * What every leaderboard says about itself.
 *
 * @example
 * ```ts
 * import { leaderboard } from 'exptrack/analysis';
 * const { order, orderSource, columns, total, excluded } = await leaderboard({ store, metric: 'val_loss' });
 * // order: 'asc', orderSource: 'metric name'
 * ```
 */
export interface LeaderboardInfo {
  benchmark: string | null;
  metric: string;
  /** For a training metric, which value ranked it; null for an evaluation metric. */
  value: 'last' | 'best' | null;
  order: 'asc' | 'desc';
  /**
   * Where `order` came from: the `order` option, the goal a run declared, the metric's name, or
   * `assumed` (higher is better) when nothing says.
   */
  orderSource: 'option' | 'declared' | 'metric name' | 'assumed';
  confidence: number;
  /** The flattened config keys (`optimizer.name`) whose values differ among the listed rows. */
  columns: string[];
  /** How many runs had the metric (before `top`). */
  total: number;
  /** Runs that had the metric but could not be ranked (a NaN score), with the reason. */
  excluded: { id: string; reason: string }[];
}

/**
 * One run on a leaderboard.
 *
 * @example
 * ```ts
 * const row: LeaderboardRow = board.rows[0];
 * `${row.name}: ${row.score} ± ${row.standardError}`;
 * ```
 */
export interface LeaderboardRow {
  /** 1-based; equal scores share a rank (1, 2, 2, 4). */
  rank: number;
  id: string;
  name: string;
  group: string | null;
  score: number;
  /** The standard error of the score, or null when the store holds nothing to compute it from. */
  standardError: number | null;
  /** The confidence interval of the score, or null. */
  ci: [number, number] | null;
  /** Items behind the score (per-sample rows or the evaluation's count), points of a training metric, or null. */
  n: number | null;
  /**
   * Where the error bars came from: `samples` (per-item rows, Miller's CLT standard error; the
   * Wilson interval when every item scored 0 or 1), `stderr` (`<metric>_stderr` of the
   * evaluation), or `none`.
   */
  uncertainty: UncertaintySource;
  /** What the run used and cost (the summary's `compute/…`, `cost/…` and `tokens/…` keys it has). */
  cost: RunCost;
  /** The score divided by `cost/usd`, when the run has a cost above zero. */
  scorePerDollar: number | null;
  /** True when no listed row is at least as good for at most the cost (see `paretoFront`). */
  paretoOptimal: boolean;
  /** The values of {@link LeaderboardInfo.columns} for this run (a key the run lacks is absent). */
  config: Record<string, JsonValue>;
}

/**
 * One group of runs (same group, or same config but the seed) on a leaderboard.
 *
 * @example
 * ```ts
 * const g: LeaderboardGroupRow = board.rows[0];
 * `${g.label}: ${g.score} ± ${g.sd} over ${g.runs} runs`;
 * ```
 */
export interface LeaderboardGroupRow {
  rank: number;
  /** The group name (`groupBy: 'group'`), or null for a run without group or a config group. */
  group: string | null;
  /** A readable name: the group, else the first run's name. */
  label: string;
  /** The runs of the group, best first. */
  runIds: string[];
  /** How many runs the group has. */
  runs: number;
  /** The mean score over the runs. */
  score: number;
  /** The sample standard deviation of the run scores (null for one run). */
  sd: number | null;
  standardError: number | null;
  ci: [number, number] | null;
  /**
   * How the interval was made: `pooled-samples` (the runs share their items: the CLT standard
   * error over the per-item means across runs), `t-across-runs` (mean ± t(k-1)·sd/√k), or
   * `single-run` (one run: its own error bars).
   */
  method: 'pooled-samples' | 't-across-runs' | 'single-run';
  /** Items for `pooled-samples`, runs for `t-across-runs`, the run's n for `single-run`. */
  n: number | null;
  /** The config the group's runs share (seed keys left out), restricted to {@link LeaderboardInfo.columns}. */
  config: Record<string, JsonValue>;
  /** The runs' costs added up; a key is present only when every run of the group has it. */
  cost: RunCost;
  /** The mean score divided by the mean `cost/usd` of the runs, when above zero. */
  scorePerDollar: number | null;
  /** True when no listed group is at least as good for at most the cost. */
  paretoOptimal: boolean;
}

/**
 * A leaderboard of runs.
 *
 * @example
 * ```ts
 * import { leaderboard, type RunLeaderboard } from 'exptrack/analysis';
 * const board: RunLeaderboard = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy' });
 * ```
 */
export interface RunLeaderboard extends LeaderboardInfo {
  groupBy: 'none';
  rows: LeaderboardRow[];
}

/**
 * A leaderboard of groups of runs.
 *
 * @example
 * ```ts
 * import { leaderboard, type GroupLeaderboard } from 'exptrack/analysis';
 * const board: GroupLeaderboard = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', groupBy: 'config' });
 * ```
 */
export interface GroupLeaderboard extends LeaderboardInfo {
  groupBy: 'group' | 'config';
  rows: LeaderboardGroupRow[];
}

/**
 * What {@link leaderboard} returns.
 *
 * @example
 * ```ts
 * import { leaderboard, type LeaderboardResult } from 'exptrack/analysis';
 * const board: LeaderboardResult = await leaderboard({ store, metric: 'loss' });
 * if (board.groupBy === 'none') board.rows[0]?.id;
 * ```
 */
export type LeaderboardResult = RunLeaderboard | GroupLeaderboard;

/**
 * Ranks runs by an evaluation metric (the latest evaluation of a benchmark) or by a training
 * metric's last or best value, with each score's standard error, confidence interval and n, and the
 * config columns that vary among the listed runs. With `groupBy`, runs that differ only by seed are
 * aggregated: mean, standard deviation across runs and a confidence interval, and the groups are
 * ranked.
 *
 * Error bars follow Miller, "Adding Error Bars to Evals" (arXiv:2411.00640): from the per-sample
 * rows when the evaluation stored them and they reproduce the metric (attempts of one item are
 * averaged first; the CLT standard error; the Wilson interval for 0/1 scores), else from the
 * evaluation's `<metric>_stderr` (and its `_ci_lower` / `_ci_upper` at 95%), else none.
 *
 * The store selects the runs and reads every run's score in one query (`getMetricValues`, with the
 * filter compiled to SQL in a SQL store); only the listed runs are read in full, with their
 * per-sample rows.
 *
 * @param options - The store, the metric (and benchmark), and how to select, group and order.
 * @returns The ranked rows and what they were ranked by.
 * @throws ExptrackError with code `invalid_input` for a bad option or a store that cannot be read,
 * `parse_error` for a malformed filter.
 *
 * @example
 * ```ts
 * import { leaderboard } from 'exptrack/analysis';
 * const board = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', top: 5, filter: 'tags.stage = "sft"' });
 * for (const row of board.rows) console.log(row.rank, row.name, row.score, row.ci, row.config);
 * const seeds = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', groupBy: 'config' });
 * seeds.rows[0]; // { label: 'lr-3e-4', runs: 3, score: 0.71, sd: 0.012, ci: [0.68, 0.74], method: 'pooled-samples', ... }
 * ```
 */
export async function leaderboard(options: LeaderboardOptions & { groupBy?: 'none' }): Promise<RunLeaderboard>;
export async function leaderboard(options: LeaderboardOptions & { groupBy: 'group' | 'config' }): Promise<GroupLeaderboard>;
export async function leaderboard(options: LeaderboardOptions): Promise<LeaderboardResult>;
export async function leaderboard(options: LeaderboardOptions): Promise<LeaderboardResult> {
  const source = requireReader(options?.store);
  const metric = requireName('metric', options.metric);
  const benchmark = options.benchmark === undefined ? undefined : requireName('benchmark', options.benchmark);
  const top = optionalInteger('top', options.top, 1);
  const confidence = readConfidence(options.confidence);
  const groupBy = oneOfOption('groupBy', options.groupBy, ['none', 'group', 'config'] as const, 'none');
  const givenOrder = options.order === undefined ? undefined : oneOfOption('order', options.order, ['asc', 'desc'] as const, 'desc');
  const value = benchmark === undefined ? oneOfOption('value', options.value, ['last', 'best'] as const, 'last') : null;

  const given = resolveFilter(options.filter);
  const filter = options.archived === true ? given : withoutArchived(given);
  const selection: ExperimentSelection = { ...(filter === undefined ? {} : { where: filter }), ...(options.status === undefined ? {} : { status: options.status }) };
  // One query for every run's score; full records are read only for what gets listed. A training
  // metric's `best` needs the order first, which needs a run: its last values tell which runs have it.
  const lastSelector: MetricSelector = benchmark !== undefined ? { benchmark, metric } : { metric, value: 'last' };
  const lastValues = await source.getMetricValues(lastSelector, selection);
  const { order, orderSource } = givenOrder !== undefined ? { order: givenOrder, orderSource: 'option' as const } : await orderFromGoal(source, lastValues, metric, benchmark ?? null);
  const values = value === 'best' ? await source.getMetricValues({ metric, value: order === 'asc' ? 'min' : 'max' }, selection) : lastValues;
  const excluded = values.filter((v) => Number.isNaN(v.value)).map((v) => ({ id: v.experimentId, reason: `${metric} is NaN` }));
  const sign = order === 'asc' ? 1 : -1;
  const better = (a: number, b: number) => (a === b ? 0 : sign * (a < b ? -1 : 1));
  const ranked = values
    .filter((v) => !Number.isNaN(v.value))
    .sort((a, b) => better(a.value, b.value) || a.createdAt - b.createdAt || compareText(a.experimentId, b.experimentId));

  /** The scores of runs with their error bars, in the order given; runs gone since the ranking are left out. */
  const detailed = async (runs: readonly MetricValue[], known?: ReadonlyMap<string, Experiment>): Promise<RunScore[]> => {
    const ids = runs.map((r) => r.experimentId);
    const experiments = known ?? new Map((ids.length === 0 ? [] : await source.getAllExperiments({ ids })).map((e) => [e.id, e]));
    const store = await preloadedReader(source, ids, benchmark);
    const scores = await mapLimit(runs, READ_CONCURRENCY, async (run) => {
      const experiment = experiments.get(run.experimentId);
      if (experiment === undefined) return undefined;
      return benchmark === undefined
        ? trainingScore(store, experiment, metric, value ?? 'last', order)
        : evaluationScore(store, experiment, benchmark, metric, confidence, true);
    });
    return scores.filter((s): s is RunScore => s !== undefined);
  };

  const info = {
    benchmark: benchmark ?? null,
    metric,
    value,
    order,
    orderSource,
    confidence,
    total: ranked.length,
    excluded,
  };

  if (groupBy === 'none') {
    const listed = await detailed(top === undefined ? ranked : ranked.slice(0, top));
    const configs = listed.map((s) => flattenConfig(s.experiment.config));
    const columns = varyingKeys(configs);
    const rows = listed.map((s, i): LeaderboardRow => ({
      rank: 0,
      id: s.experiment.id,
      name: s.experiment.name,
      group: s.experiment.group,
      score: s.score,
      standardError: s.standardError,
      ci: s.ci,
      n: s.n,
      uncertainty: s.uncertainty,
      config: pick(configs[i] ?? {}, columns),
      ...costColumns(s.score, costOf(s.experiment.summary), 1),
    }));
    assignRanks(rows);
    markParetoFront(rows, order);
    return { ...info, groupBy, columns, rows };
  }

  // Groups: by the group name, or by the config without its seed (which needs every run's config).
  const configs = groupBy === 'config' ? new Map((await source.getAllExperiments({ ...selection, where: withMetric(filter, benchmark, metric) })).map((e) => [e.id, e])) : undefined;
  const groups = new Map<string, MetricValue[]>();
  for (const run of ranked) {
    const config = configs?.get(run.experimentId)?.config;
    if (configs !== undefined && config === undefined) continue;
    const key = config !== undefined ? configKey(config) : run.group === null ? `run:${run.experimentId}` : `group:${run.group}`;
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [run]);
    else members.push(run);
  }
  const summaries = [...groups.values()].map((members) => ({ members, mean: meanOf(members.map((m) => m.value)) }));
  summaries.sort((a, b) => better(a.mean, b.mean) || compareText(a.members[0]?.experimentId ?? '', b.members[0]?.experimentId ?? ''));
  const listed = top === undefined ? summaries : summaries.slice(0, top);
  const rows: LeaderboardGroupRow[] = [];
  const shared: Record<string, JsonValue>[] = [];
  // The listed groups' runs are read in one batch, not one per group.
  const scoreOf = new Map((await detailed(listed.flatMap((g) => g.members), configs)).map((s) => [s.experiment.id, s]));
  for (const { members, mean } of listed) {
    const scored = members.flatMap((m) => scoreOf.get(m.experimentId) ?? []);
    const first = scored[0];
    if (first === undefined) continue;
    shared.push(withoutSeed(commonConfig(scored.map((s) => flattenConfig(s.experiment.config)))));
    const groupName = groupBy === 'group' ? first.experiment.group : null;
    rows.push({
      rank: 0,
      group: groupName,
      label: groupName ?? first.experiment.name ?? first.experiment.id,
      runIds: scored.map((s) => s.experiment.id),
      runs: scored.length,
      score: mean,
      ...groupUncertainty(scored, mean, confidence),
      config: {},
      ...costColumns(mean, groupCost(scored.map((m) => costOf(m.experiment.summary))), scored.length),
    });
  }
  const columns = varyingKeys(shared);
  rows.forEach((row, i) => (row.config = pick(shared[i] ?? {}, columns)));
  assignRanks(rows);
  markParetoFront(rows, order);
  return { ...info, groupBy, columns, rows };
}

/** The cost columns of a row: its cost, the score per dollar (per mean dollar of its `runs`), and a front flag set later. */
function costColumns(score: number, cost: RunCost, runs: number): { cost: RunCost; scorePerDollar: number | null; paretoOptimal: boolean } {
  const usd = cost['cost/usd'];
  return { cost, scorePerDollar: usd !== undefined && usd > 0 ? score / (usd / runs) : null, paretoOptimal: false };
}

/** A group's cost: the sum of each key every run has. */
function groupCost(costs: readonly RunCost[]): RunCost {
  const { total, runs } = sumCosts(costs);
  return Object.fromEntries(Object.entries(total).filter(([key]) => runs[key as keyof RunCost] === costs.length)) as RunCost;
}

/** Marks the rows on the front of score against dollars (per run: a group's mean). */
function markParetoFront(rows: { score: number; cost: RunCost; paretoOptimal: boolean; runs?: number }[], order: 'asc' | 'desc'): void {
  const dollars = (r: (typeof rows)[number]) => {
    const usd = r.cost['cost/usd'];
    return usd === undefined ? undefined : usd / (r.runs ?? 1);
  };
  for (const i of paretoFront(rows.map((r) => ({ score: r.score, cost: dollars(r) })), order)) (rows[i] as { paretoOptimal: boolean }).paretoOptimal = true;
}

/** A filter that also asks for the metric to exist. */
function withMetric(filter: FilterExpression | undefined, benchmark: string | undefined, metric: string): FilterExpression {
  const has: FilterExpression = { kind: 'exists', field: { scope: 'metrics', benchmark: benchmark ?? null, metric }, negated: false };
  return filter === undefined ? has : { kind: 'and', left: filter, right: has };
}

function groupUncertainty(members: RunScore[], mean: number, confidence: number): Pick<LeaderboardGroupRow, 'sd' | 'standardError' | 'ci' | 'method' | 'n'> {
  const k = members.length;
  const first = members[0] as RunScore;
  if (k === 1) return { sd: null, standardError: first.standardError, ci: first.ci, method: 'single-run', n: first.n };
  const scores = members.map((m) => m.score);
  const sd = Math.sqrt(scores.reduce((acc, x) => acc + (x - mean) ** 2, 0) / (k - 1));
  const pooled = pooledItems(members);
  if (pooled !== undefined) {
    const bars = itemUncertainty(pooled, mean, confidence);
    if (bars !== undefined) return { sd, standardError: bars.standardError, ci: bars.ci, method: 'pooled-samples', n: pooled.ids.length };
  }
  if (!Number.isFinite(sd)) return { sd, standardError: null, ci: null, method: 't-across-runs', n: k };
  const se = sd / Math.sqrt(k);
  const half = studentTQuantile(1 - (1 - confidence) / 2, k - 1) * se;
  return { sd, standardError: se, ci: [mean - half, mean + half], method: 't-across-runs', n: k };
}

/** Per-item means across runs, when every run has per-item scores on the same set of items. */
function pooledItems(members: RunScore[]): ItemScores | undefined {
  const first = members[0]?.items;
  if (first === undefined) return undefined;
  for (const m of members) {
    if (m.items === undefined || m.items.ids.length !== first.ids.length) return undefined;
    for (const id of first.ids) if (!m.items.byId.has(id)) return undefined;
  }
  const scores = first.ids.map((id) => meanOf(members.map((m) => m.items?.byId.get(id) as number)));
  const byId = new Map(first.ids.map((id, i) => [id, scores[i] as number]));
  const rows = members.reduce((acc, m) => acc + (m.items?.rows ?? 0), 0);
  return { ids: [...first.ids], scores, byId, binary: scores.every((s) => s === 0 || s === 1), rows, rowMean: meanOf(scores) };
}

function meanOf(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The flattened keys whose value every config shares. */
function commonConfig(configs: readonly Record<string, JsonValue>[]): Record<string, JsonValue> {
  const [first, ...rest] = configs;
  const out: Record<string, JsonValue> = {};
  if (first === undefined) return out;
  for (const [key, value] of Object.entries(first)) {
    if (rest.every((c) => Object.prototype.hasOwnProperty.call(c, key) && sameJson(c[key], value))) out[key] = value;
  }
  return out;
}

const isSeed = (key: string) => key === 'seed' || key.endsWith('.seed');

/** A flattened config without its seed keys. */
function withoutSeed(config: Record<string, JsonValue>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => !isSeed(key)));
}

/** A config without its seed keys, as a stable string. */
function configKey(config: Experiment['config']): string {
  const flat = withoutSeed(flattenConfig(config));
  return JSON.stringify(Object.keys(flat).sort().map((key) => [key, flat[key]]));
}

function pick(config: Record<string, JsonValue>, keys: readonly string[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const key of keys) if (Object.prototype.hasOwnProperty.call(config, key)) out[key] = config[key] as JsonValue;
  return out;
}

function assignRanks(rows: { rank: number; score: number }[]): void {
  rows.forEach((row, i) => {
    const previous = rows[i - 1];
    row.rank = previous !== undefined && previous.score === row.score ? previous.rank : i + 1;
  });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The ranking order from the metric's goal: declared by the newest run that has the metric, else
 * implied by its name, else assumed descending.
 */
async function orderFromGoal(
  source: ExperimentReader,
  values: readonly MetricValue[],
  metric: string,
  benchmark: string | null,
): Promise<{ order: 'asc' | 'desc'; orderSource: 'declared' | 'metric name' | 'assumed' }> {
  const newest = values.reduce<MetricValue | undefined>((a, v) => (a === undefined || v.createdAt > a.createdAt ? v : a), undefined);
  const summary = newest === undefined ? undefined : (await source.getExperiment(newest.experimentId))?.summary;
  const declared = summary === undefined ? undefined : declaredMetricGoal(metric, benchmark, [summary]);
  if (declared === 'none') {
    throw new ExptrackError(`${metric} is declared with goal 'none' (tracker.defineMetric): give an order to rank by it`, { code: 'invalid_input', field: 'order', value: undefined });
  }
  if (declared !== undefined) return { order: declared === 'minimize' ? 'asc' : 'desc', orderSource: 'declared' };
  const named = goalFromMetricName(metric);
  if (named === 'none') return { order: 'desc', orderSource: 'assumed' };
  return { order: named === 'minimize' ? 'asc' : 'desc', orderSource: 'metric name' };
}
