/**
 * Everything `show` and `report` say about one experiment, read once: training metric curves and
 * figures, evaluations with standard errors and intervals, checkpoints.
 * @module
 */
import type { CheckpointRecord, Experiment, ExperimentReader } from 'exptrack';
import { isAuxiliaryMetric, latestByBenchmark } from './commands/shared.js';

/** A training metric: its figures and its curve. */
export interface MetricDetails {
  key: string;
  count: number;
  firstStep: number;
  lastStep: number;
  /** The first finite value. */
  first: number;
  last: number;
  min: number;
  max: number;
  /**
   * The curve's finite points in step order: every point of a short metric, else the store's
   * outline of it (each of {@link CURVE_BUCKETS} step ranges' lowest and highest point).
   */
  steps: number[];
  values: number[];
}

/** How many step ranges a long curve is reduced to: enough for a 480-pixel chart and any sparkline. */
export const CURVE_BUCKETS = 240;

/** One metric of an evaluation, with its error bars. */
export interface ScoreDetails {
  metric: string;
  value: number;
  /** The standard error: recorded as `<metric>_stderr`, or computed from per-sample rows. */
  standardError: number | null;
  /** The confidence interval (95% unless said otherwise): recorded, or computed from per-sample rows. */
  ci: [number, number] | null;
  /** Items behind the value, where known. */
  n: number | null;
  /** Where the error bars came from: `samples`, `stderr` (recorded) or `none`. */
  uncertainty: string;
}

/** One evaluation. */
export interface EvaluationDetails {
  benchmark: string;
  step: number | null;
  createdAt: number;
  sampleCount: number;
  /** Whether this is the benchmark's latest evaluation (the one leaderboards and comparisons use). */
  latest: boolean;
  scores: ScoreDetails[];
  /** The other metrics (counts such as `n_errors`), as recorded. */
  counts: Record<string, number>;
  metadata: Record<string, unknown>;
}

/** Everything about one experiment. */
export interface ExperimentDetails {
  experiment: Experiment;
  metrics: MetricDetails[];
  evaluations: EvaluationDetails[];
  checkpoints: CheckpointRecord[];
}

/**
 * Reads everything about one experiment. Error bars of the latest evaluation of each benchmark come
 * from `leaderboard` of `exptrack/analysis` (per-sample rows, else the recorded `<metric>_stderr`);
 * older evaluations show what they recorded.
 *
 * @param store - the store
 * @param experiment - the experiment
 * @param confidence - the level of computed intervals
 * @returns the details
 * @example
 * ```ts
 * const details = await loadDetails(store, experiment);
 * details.metrics[0]?.values;
 * ```
 */
export async function loadDetails(store: ExperimentReader, experiment: Experiment, confidence = 0.95): Promise<ExperimentDetails> {
  const id = experiment.id;
  const [summaries, records, checkpoints] = await Promise.all([store.getMetricSummaries(id), store.getEvaluationResults(id), store.getCheckpoints(id)]);
  // The store reduces a long curve to what a chart shows: a 1,000,000-point metric costs a few hundred points.
  const outlines = await Promise.all(summaries.map((s) => store.getMetricOutline(id, s.key, { buckets: CURVE_BUCKETS })));
  const metrics: MetricDetails[] = summaries.map((s, i) => {
    const outline = outlines[i];
    return {
      key: s.key,
      count: s.count,
      firstStep: s.firstStep,
      lastStep: s.lastStep,
      first: outline?.values[0] ?? NaN,
      last: s.last,
      min: s.min,
      max: s.max,
      steps: outline?.steps ?? [],
      values: outline?.values ?? [],
    };
  });

  const latest = new Set(latestByBenchmark(records));
  let leaderboard: typeof import('exptrack/analysis').leaderboard | undefined;
  const evaluations: EvaluationDetails[] = [];
  for (const record of records) {
    const isLatest = latest.has(record);
    const scores: ScoreDetails[] = [];
    const counts: Record<string, number> = {};
    for (const [metric, value] of Object.entries(record.metrics)) {
      if (isAuxiliaryMetric(metric)) {
        if (metric.startsWith('n_')) counts[metric] = value;
        continue;
      }
      const stderr = record.metrics[`${metric}_stderr`];
      const lower = record.metrics[`${metric}_ci_lower`];
      const upper = record.metrics[`${metric}_ci_upper`];
      let score: ScoreDetails = {
        metric,
        value,
        standardError: stderr ?? null,
        ci: lower !== undefined && upper !== undefined ? [lower, upper] : null,
        n: record.sampleCount > 0 ? record.sampleCount : null,
        uncertainty: stderr !== undefined ? 'stderr' : 'none',
      };
      if (isLatest && Number.isFinite(value)) {
        leaderboard ??= (await import('exptrack/analysis')).leaderboard;
        const board = await leaderboard({ store, benchmark: record.benchmark, metric, filter: `id = ${JSON.stringify(id)}`, confidence });
        const row = board.rows[0];
        if (row !== undefined && row.uncertainty !== 'none') {
          score = { metric, value, standardError: row.standardError, ci: row.ci, n: row.n, uncertainty: row.uncertainty };
        }
      }
      scores.push(score);
    }
    evaluations.push({
      benchmark: record.benchmark,
      step: record.step,
      createdAt: record.createdAt,
      sampleCount: record.sampleCount,
      latest: isLatest,
      scores,
      counts,
      metadata: record.metadata,
    });
  }
  return { experiment, metrics, evaluations, checkpoints };
}
