import type { ExperimentReader } from '../../core/backend.js';
import { costOf, type RunCost } from '../cost/cost-of-run.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import type { Experiment, ExperimentStatus, JsonValue } from '../../core/types.js';
import { adjustPValues, type PValueAdjustment } from '../stats/index.js';
import { cachedReader } from '../internal/cached-reader.js';
import { flattenConfig, varyingKeys } from '../internal/flatten-config.js';
import { metricGoal } from '../../core/metric-goal.js';
import { oneOfOption, optionalInteger, requireName, requireReader } from '../internal/options.js';
import { resolveExperiment } from '../internal/resolve-experiment.js';
import { latestEvaluation } from '../internal/run-score.js';
import { compareScores, loadScore, type SignificanceMethod, type SignificanceResult } from '../significance/significance.js';

/**
 * Options of {@link compareExperiments}.
 *
 * @example
 * ```ts
 * const options: CompareOptions = { store, benchmark: 'gsm8k', alpha: 0.01 };
 * ```
 */
export interface CompareOptions {
  /** Any readable backend. */
  store: ExperimentReader;
  /** Compare only this benchmark's metrics (and no training metrics); all benchmarks and training metrics by default. */
  benchmark?: string;
  /** Compare only these metric names. */
  metrics?: readonly string[];
  /**
   * The significance level of the tests against the baseline.
   * @defaultValue `0.05`
   */
  alpha?: number;
  /**
   * The test, as in {@link significance}.
   * @defaultValue `'auto'`
   */
  method?: SignificanceMethod;
  /** Seed of the bootstrap and permutation methods. */
  seed?: number;
  /** Resamples of the bootstrap and permutation methods. */
  resamples?: number;
  /**
   * The correction of the p-values for testing many metrics and runs at once (`adjustedPValue`).
   * @defaultValue `'holm'`
   */
  adjust?: PValueAdjustment | 'none';
}

/**
 * One compared run.
 *
 * @example
 * ```ts
 * import { compareExperiments } from 'exptrack/analysis';
 * (await compareExperiments(['a', 'b'], { store })).experiments[0]; // { id: 'a', name, group, status, createdAt }
 * ```
 */
export interface ComparedExperiment {
  id: string;
  name: string;
  group: string | null;
  status: ExperimentStatus;
  createdAt: number;
  /** What the run used and cost (its summary's `compute/…`, `cost/…` and `tokens/…` keys). */
  cost: RunCost;
}

/**
 * One config key whose value differs among the compared runs.
 *
 * @example
 * ```ts
 * import { compareExperiments } from 'exptrack/analysis';
 * (await compareExperiments(['a', 'b'], { store })).configDifferences;
 * // [{ key: 'optimizer.name', values: ['adam', 'sgd'] }]
 * ```
 */
export interface ConfigDifference {
  /** The flattened key: nested keys are joined by dots (`optimizer.betas`). */
  key: string;
  /** The value of each run, in the order of the ids; undefined where the run's config lacks the key. */
  values: (JsonValue | undefined)[];
}

/**
 * A run's score against the baseline on one metric.
 *
 * @example
 * ```ts
 * import { compareExperiments } from 'exptrack/analysis';
 * const loss = (await compareExperiments(['a', 'b'], { store })).metrics.find((m) => m.metric === 'loss');
 * loss?.deltas[1]; // { difference: -0.2, improvement: 0.2, relative: 0.1 } (lower is better)
 * ```
 */
export interface MetricDelta {
  /** value - baseline value. */
  difference: number;
  /**
   * The difference in the metric's better direction: positive means better than the baseline; null
   * when the metric has no goal (`better` is null).
   */
  improvement: number | null;
  /** `improvement / |baseline|`, or null when there is no improvement, the baseline is 0 or a value is not finite. */
  relative: number | null;
}

/**
 * One metric, side by side.
 *
 * @example
 * ```ts
 * import { compareExperiments } from 'exptrack/analysis';
 * const [first] = (await compareExperiments(['a', 'b'], { store, benchmark: 'gsm8k' })).metrics;
 * // { benchmark: 'gsm8k', metric: 'accuracy', better: 'higher', values: [0.6, 0.7], winner: 'b', ... }
 * ```
 */
export interface MetricComparison {
  /** The benchmark, or null for a training metric (its last value). */
  benchmark: string | null;
  metric: string;
  /**
   * Whether higher or lower is better: from the goal a compared run declared with
   * `tracker.defineMetric` (the newest first), else from the metric's name (`goalFromMetricName`);
   * null when neither says (a learning rate, a logged constant), and then no run is the winner.
   */
  better: 'higher' | 'lower' | null;
  /** Each run's value, in the order of the ids; null where the run has none. */
  values: (number | null)[];
  /** Each run's standard error (per-sample rows or `<metric>_stderr`), or null. */
  standardErrors: (number | null)[];
  /** The id of the best run, or null on a tie for best or when fewer than two runs have a value. Counts (`n_*`) have no winner. */
  winner: string | null;
  /** Each run against the baseline (the first id); null for the baseline, where a value is missing, and where the difference is NaN. */
  deltas: (MetricDelta | null)[];
  /** {@link significance} of each run against the baseline; null for the baseline and where no test applies. */
  significance: (SignificanceResult | null)[];
  /** The p-values corrected for all the tests of the comparison (see `adjust`). */
  adjustedPValues: (number | null)[];
  /** Why a run has no test, where it has none. */
  notes: (string | null)[];
}

/**
 * What {@link compareExperiments} returns.
 *
 * @example
 * ```ts
 * import { compareExperiments, type ComparisonResult } from 'exptrack/analysis';
 * const c: ComparisonResult = await compareExperiments(['a', 'b'], { store });
 * c.baseline; // 'a'
 * ```
 */
export interface ComparisonResult {
  /** The first id: every delta and test is against it. */
  baseline: string;
  experiments: ComparedExperiment[];
  configDifferences: ConfigDifference[];
  metrics: MetricComparison[];
  alpha: number;
  adjust: PValueAdjustment | 'none';
}

const UNCERTAINTY_SUFFIXES = ['_stderr', '_ci_lower', '_ci_upper'];

/**
 * Compares runs side by side: the config keys that differ (nested keys flattened with dots), every
 * metric of the latest evaluation of each benchmark and the last value of every training metric,
 * the winner of each metric, the improvement of each run over the first (the baseline), absolute
 * and relative, and the {@link significance} of each difference to the baseline, with p-values
 * corrected for the number of tests (Holm by default).
 *
 * Metrics ending in `_stderr`, `_ci_lower` or `_ci_upper` are read as the error bars of the metric
 * they belong to, not listed as metrics of their own.
 *
 * @param ids - Two or more experiment ids (or unique prefixes); the first is the baseline.
 * @param options - The store, and which benchmark, metrics and test to use.
 * @returns The differences, the metrics side by side, and the tests against the baseline.
 * @throws ExptrackError `not_found` naming an id that no experiment has; `invalid_input` for fewer
 * than two ids, a repeated id, an ambiguous prefix or a bad option.
 *
 * @example
 * ```ts
 * import { compareExperiments } from 'exptrack/analysis';
 * const c = await compareExperiments(['exp_base', 'exp_lr3e4'], { store, benchmark: 'gsm8k' });
 * c.configDifferences; // [{ key: 'learning_rate', values: [0.001, 0.0003] }]
 * const acc = c.metrics.find((m) => m.metric === 'accuracy');
 * acc?.winner; acc?.deltas[1]; acc?.significance[1]?.verdict;
 * ```
 */
export async function compareExperiments(ids: readonly string[], options: CompareOptions): Promise<ComparisonResult> {
  const store = cachedReader(requireReader(options?.store));
  if (!Array.isArray(ids) || ids.length < 2) throw invalidInput('ids', ids, 'must list at least two experiment ids (the first is the baseline)');
  const benchmark = options.benchmark === undefined ? undefined : requireName('benchmark', options.benchmark);
  const onlyMetrics = options.metrics === undefined ? undefined : new Set(options.metrics.map((m, i) => requireName(`metrics[${i}]`, m)));
  const alpha = options.alpha === undefined ? 0.05 : options.alpha;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) throw invalidInput('alpha', alpha, 'must be a number in (0, 1)');
  const method = oneOfOption('method', options.method, ['auto', 'mcnemar', 'paired-t', 'bootstrap', 'permutation', 'welch'] as const, 'auto');
  const adjust = oneOfOption('adjust', options.adjust, ['holm', 'bh', 'bonferroni', 'none'] as const, 'holm');
  const resamples = optionalInteger('resamples', options.resamples, 2);
  const seed = options.seed ?? 0;

  const experiments: Experiment[] = [];
  for (const [i, id] of ids.entries()) experiments.push(await resolveExperiment(store, id, `ids[${i}]`));
  const seen = new Set<string>();
  for (const e of experiments) {
    if (seen.has(e.id)) throw new ExptrackError(`experiment ${e.id} is listed twice`, { code: 'invalid_input', field: 'ids', value: e.id });
    seen.add(e.id);
  }

  // Config differences.
  const configs = experiments.map((e) => flattenConfig(e.config));
  const configDifferences = varyingKeys(configs).map((key) => ({
    key,
    values: configs.map((c) => (Object.prototype.hasOwnProperty.call(c, key) ? c[key] : undefined)),
  }));

  // Which metrics: every (benchmark, metric) of the latest evaluations, then training metrics.
  const rows = new Map<string, { benchmark: string | null; metric: string }>();
  const latest = await Promise.all(experiments.map(async (e) => {
    const records = await store.getEvaluationResults(e.id, benchmark);
    const byBenchmark = new Map<string, Record<string, number>>();
    for (const record of records) byBenchmark.set(record.benchmark, latestEvaluation(records.filter((r) => r.benchmark === record.benchmark))?.metrics ?? {});
    return byBenchmark;
  }));
  for (const byBenchmark of latest) {
    for (const [name, metrics] of byBenchmark) {
      for (const metric of Object.keys(metrics)) {
        if (UNCERTAINTY_SUFFIXES.some((s) => metric.endsWith(s))) continue;
        if (onlyMetrics !== undefined && !onlyMetrics.has(metric)) continue;
        rows.set(JSON.stringify([name, metric]), { benchmark: name, metric });
      }
    }
  }
  const training = benchmark === undefined ? await Promise.all(experiments.map(async (e) => new Map((await store.getMetricSummaries(e.id)).map((s) => [s.key, s.last])))) : [];
  for (const summaries of training) {
    // System series (`system/cpu_percent`, ...) describe the machine, not the result: only when asked for.
    for (const key of summaries.keys()) if (onlyMetrics === undefined ? !key.startsWith('system/') : onlyMetrics.has(key)) rows.set(JSON.stringify([null, key]), { benchmark: null, metric: key });
  }
  const ordered = [...rows.values()].sort((x, y) => compareText(x.benchmark ?? '\uffff', y.benchmark ?? '\uffff') || compareText(x.metric, y.metric));

  const newestFirst = [...experiments].sort((a, b) => b.createdAt - a.createdAt).map((e) => e.summary);
  const metrics: MetricComparison[] = [];
  for (const { benchmark: bench, metric } of ordered) {
    const values = experiments.map((_, i) => {
      const v = bench === null ? training[i]?.get(metric) : latest[i]?.get(bench)?.[metric];
      return typeof v === 'number' ? v : null;
    });
    const isCount = metric.startsWith('n_');
    const goal = metricGoal(metric, bench, newestFirst);
    const better = goal === 'maximize' ? 'higher' : goal === 'minimize' ? 'lower' : null;
    const row: MetricComparison = {
      benchmark: bench,
      metric,
      better,
      values,
      standardErrors: values.map(() => null),
      winner: isCount ? null : winnerOf(values, better, experiments),
      deltas: values.map((v, i) => (i === 0 ? null : delta(values[0] ?? null, v, better))),
      significance: values.map(() => null),
      adjustedPValues: values.map(() => null),
      notes: values.map(() => null),
    };
    if (bench !== null && !isCount) {
      const scores = await Promise.all(experiments.map((e, i) => (values[i] === null ? undefined : loadScore(store, e, bench, metric, 1 - alpha).catch(unscorable))));
      row.standardErrors = scores.map((s) => s?.standardError ?? null);
      const base = scores[0];
      for (let i = 1; i < experiments.length; i++) {
        const other = scores[i];
        if (base === undefined || other === undefined) {
          row.notes[i] = values[0] === null || values[i] === null ? 'no value to compare' : 'a score is not finite';
          continue;
        }
        try {
          row.significance[i] = compareScores(base, other, { benchmark: bench, metric, alpha, power: 0.8, method, seed, resamples });
        } catch (error) {
          if (!ExptrackError.is(error) || (error.code !== 'insufficient_data' && error.code !== 'invalid_input')) throw error;
          row.notes[i] = error.message;
        }
      }
    } else {
      row.notes = values.map((_, i) => (i === 0 ? null : isCount ? 'a count: not tested' : 'a training metric: no per-item scores to test'));
    }
    metrics.push(row);
  }

  // Correct the p-values for the whole family of tests.
  const cells: { row: MetricComparison; i: number; p: number }[] = [];
  for (const row of metrics) row.significance.forEach((s, i) => s !== null && cells.push({ row, i, p: s.pValue }));
  if (cells.length > 0) {
    const adjusted = adjust === 'none' ? cells.map((c) => c.p) : adjustPValues(cells.map((c) => c.p), adjust);
    cells.forEach((c, k) => (c.row.adjustedPValues[c.i] = adjusted[k] ?? null));
  }

  return {
    baseline: (experiments[0] as Experiment).id,
    experiments: experiments.map((e) => ({ id: e.id, name: e.name, group: e.group, status: e.status, createdAt: e.createdAt, cost: costOf(e.summary) })),
    configDifferences,
    metrics,
    alpha,
    adjust,
  };
}

/** A run whose score no test can use (a non-finite value) has no score here; anything else is a real failure. */
function unscorable(error: unknown): undefined {
  if (ExptrackError.is(error) && (error.code === 'insufficient_data' || error.code === 'not_found')) return undefined;
  throw error;
}

function winnerOf(values: (number | null)[], better: 'higher' | 'lower' | null, experiments: Experiment[]): string | null {
  if (better === null) return null;
  const present = values.map((v, i) => ({ v, i })).filter((x): x is { v: number; i: number } => x.v !== null && !Number.isNaN(x.v));
  if (present.length < 2) return null;
  const best = better === 'higher' ? Math.max(...present.map((x) => x.v)) : Math.min(...present.map((x) => x.v));
  const winners = present.filter((x) => x.v === best);
  return winners.length === 1 ? (experiments[(winners[0] as { i: number }).i]?.id ?? null) : null;
}

function delta(base: number | null, value: number | null, better: 'higher' | 'lower' | null): MetricDelta | null {
  if (base === null || value === null) return null;
  const difference = value - base;
  if (Number.isNaN(difference)) return null;
  const improvement = better === null ? null : better === 'higher' ? difference : -difference;
  const relative = improvement !== null && base !== 0 && Number.isFinite(base) && Number.isFinite(value) ? improvement / Math.abs(base) : null;
  return { difference, improvement, relative };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
