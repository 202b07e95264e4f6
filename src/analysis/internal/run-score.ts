import type { ExperimentReader } from '../../core/backend.js';
import type { EvaluationRecord, Experiment, StoredEvaluationSample } from '../../core/types.js';
import { itemScores, samplesMatch, type ItemScores } from './item-scores.js';
import { itemUncertainty, normalInterval } from './uncertainty.js';

/**
 * Where a score's error bars came from.
 *
 * @example
 * ```ts
 * import { leaderboard } from 'exptrack/analysis';
 * (await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy' })).rows[0]?.uncertainty; // 'samples'
 * ```
 */
export type UncertaintySource = 'samples' | 'stderr' | 'none';

/** One run's score on one metric, with its error bars where the store has what they need. */
export interface RunScore {
  experiment: Experiment;
  score: number;
  standardError: number | null;
  ci: [number, number] | null;
  /** Items (per-sample rows), scored rows (from the metrics), or points of a training metric. */
  n: number | null;
  uncertainty: UncertaintySource;
  /** Per-item scores of the evaluation, when they reproduce the metric. */
  items: ItemScores | undefined;
  /** The evaluation the score came from (undefined for a training metric). */
  evaluation: EvaluationRecord | undefined;
}

/** The latest evaluation of a benchmark: the one logged last. */
export function latestEvaluation(records: readonly EvaluationRecord[]): EvaluationRecord | undefined {
  return records[records.length - 1];
}

/** The samples of the latest evaluation among `records` (samples come in logging order). */
export function latestSamples(records: readonly EvaluationRecord[], samples: readonly StoredEvaluationSample[]): StoredEvaluationSample[] {
  const latest = latestEvaluation(records);
  if (latest === undefined || latest.sampleCount === 0) return [];
  return samples.slice(Math.max(0, samples.length - latest.sampleCount));
}

/** How many items a metric was computed on, from the bookkeeping metrics of an evaluation. */
function countFromMetrics(metrics: Readonly<Record<string, number>>, sampleCount: number): number | null {
  for (const key of ['n_scored', 'n_samples']) {
    const value = metrics[key];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return sampleCount > 0 ? sampleCount : null;
}

/**
 * The score of a run on an evaluation metric, or undefined when its latest evaluation of the
 * benchmark has no such metric. Error bars: per-item rows when their mean reproduces the metric,
 * else `<metric>_stderr` (and `<metric>_ci_lower` / `_ci_upper`) of the evaluation, else none.
 */
export async function evaluationScore(
  store: ExperimentReader,
  experiment: Experiment,
  benchmark: string,
  metric: string,
  confidence: number,
  withSamples: boolean,
): Promise<RunScore | undefined> {
  const records = await store.getEvaluationResults(experiment.id, benchmark);
  const evaluation = latestEvaluation(records);
  const score = evaluation?.metrics[metric];
  if (evaluation === undefined || typeof score !== 'number') return undefined;
  const base: RunScore = { experiment, score, standardError: null, ci: null, n: countFromMetrics(evaluation.metrics, evaluation.sampleCount), uncertainty: 'none', items: undefined, evaluation };
  if (!Number.isFinite(score)) return base;
  if (withSamples && evaluation.sampleCount > 0) {
    const items = itemScores(latestSamples(records, await store.getEvaluationSamples(experiment.id, benchmark)), metric);
    if (items !== undefined && samplesMatch(items, score)) {
      base.items = items;
      base.n = items.ids.length;
      const bars = itemUncertainty(items, score, confidence);
      if (bars !== undefined) return { ...base, standardError: bars.standardError, ci: bars.ci, uncertainty: 'samples' };
    }
  }
  return withStderr(base, evaluation.metrics, metric, confidence);
}

function withStderr(base: RunScore, metrics: Readonly<Record<string, number>>, metric: string, confidence: number): RunScore {
  const se = metrics[`${metric}_stderr`];
  if (typeof se !== 'number' || !Number.isFinite(se) || se < 0) return base;
  const lower = metrics[`${metric}_ci_lower`];
  const upper = metrics[`${metric}_ci_upper`];
  const recorded = confidence === 0.95 && typeof lower === 'number' && typeof upper === 'number' && Number.isFinite(lower) && Number.isFinite(upper);
  const ci: [number, number] = recorded ? [lower, upper] : normalInterval(base.score, se, confidence);
  return { ...base, standardError: se, ci, uncertainty: 'stderr' };
}


/**
 * The score of a run on a training metric: its last value, or its best (the minimum when lower is
 * better, else the maximum); undefined when the run never logged the key.
 */
export async function trainingScore(store: ExperimentReader, experiment: Experiment, key: string, value: 'last' | 'best', order: 'asc' | 'desc'): Promise<RunScore | undefined> {
  const summary = (await store.getMetricSummaries(experiment.id)).find((s) => s.key === key);
  if (summary === undefined) return undefined;
  const score = value === 'last' ? summary.last : order === 'asc' ? summary.min : summary.max;
  return { experiment, score, standardError: null, ci: null, n: summary.count, uncertainty: 'none', items: undefined, evaluation: undefined };
}
