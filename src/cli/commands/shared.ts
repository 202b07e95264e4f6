/**
 * Pieces several commands share: statuses and their colours, and the key metrics of a run.
 * @module
 */
import type { EvaluationRecord, Experiment, ExperimentReader, ExperimentStatus } from 'exptrack';
import type { Colors } from '../context.js';

/** Every experiment status, for `--status` choices. */
export const STATUSES: ExperimentStatus[] = ['running', 'completed', 'failed', 'killed', 'crashed'];

/**
 * A status in its colour: green completed, yellow running, red failed or crashed, magenta killed.
 *
 * @param c - the colours
 * @param status - the status
 * @returns the coloured text
 * @example
 * ```ts
 * statusColor(ctx.c, 'failed');
 * ```
 */
export function statusColor(c: Colors, status: ExperimentStatus): string {
  switch (status) {
    case 'completed':
      return c.green(status);
    case 'running':
      return c.yellow(status);
    case 'killed':
      return c.magenta(status);
    default:
      return c.red(status);
  }
}

/** Metric names that hold error bars or counts, not scores of their own. */
export function isAuxiliaryMetric(name: string): boolean {
  return name.endsWith('_stderr') || name.endsWith('_ci_lower') || name.endsWith('_ci_upper') || name.startsWith('n_');
}

/**
 * The metric that stands for an evaluation: `accuracy` when it has one, else its first score.
 *
 * @param metrics - the evaluation's metrics
 * @returns the metric's name, or undefined for an evaluation without scores
 * @example
 * ```ts
 * primaryMetric({ accuracy: 0.7, accuracy_stderr: 0.01 }); // 'accuracy'
 * ```
 */
export function primaryMetric(metrics: Record<string, number>): string | undefined {
  if ('accuracy' in metrics) return 'accuracy';
  return Object.keys(metrics).find((m) => !isAuxiliaryMetric(m));
}

/**
 * The latest evaluation of each benchmark (by time, then logging order).
 *
 * @param records - evaluations in logging order
 * @returns one evaluation per benchmark
 * @example
 * ```ts
 * latestByBenchmark(await store.getEvaluationResults(id));
 * ```
 */
export function latestByBenchmark(records: readonly EvaluationRecord[]): EvaluationRecord[] {
  const latest = new Map<string, EvaluationRecord>();
  for (const r of records) {
    const seen = latest.get(r.benchmark);
    if (seen === undefined || r.createdAt >= seen.createdAt) latest.set(r.benchmark, r);
  }
  return [...latest.values()];
}

/**
 * The key metrics of a run: the main metric of the latest evaluation of each benchmark
 * (`gsm8k/accuracy`), then the last value of each training metric.
 *
 * @param store - the store
 * @param experiment - the run
 * @returns metric names to values
 * @example
 * ```ts
 * await keyMetrics(store, experiment); // { 'gsm8k/accuracy': 0.71, loss: 0.021 }
 * ```
 */
export async function keyMetrics(store: ExperimentReader, experiment: Experiment): Promise<Record<string, number>> {
  const [evaluations, summaries] = await Promise.all([store.getEvaluationResults(experiment.id), store.getMetricSummaries(experiment.id)]);
  const out: Record<string, number> = {};
  for (const e of latestByBenchmark(evaluations)) {
    const metric = primaryMetric(e.metrics);
    if (metric !== undefined) out[`${e.benchmark}/${metric}`] = e.metrics[metric] as number;
  }
  for (const s of summaries) out[s.key] = s.last;
  return out;
}
