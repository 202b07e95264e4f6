/**
 * Which way a metric is better: declared for a run with `tracker.defineMetric`, else read from its
 * name, else unknown. Nothing is starred, ranked best or called a winner on a metric whose goal is
 * unknown or `none`.
 * @module
 */
import type { JsonValue } from './types.js';

/**
 * `maximize` (higher is better), `minimize` (lower is better) or `none` (a setting such as a
 * learning rate, logged to be seen, never to be ranked).
 *
 * @example
 * ```ts
 * const goal: MetricGoal = 'minimize';
 * ```
 */
export type MetricGoal = 'maximize' | 'minimize' | 'none';

/** Every goal. */
export const METRIC_GOALS: readonly MetricGoal[] = ['maximize', 'minimize', 'none'];

/**
 * The summary key under which a run stores the goal declared for a metric: `goal/<metric>`.
 *
 * @param metric - a training metric key (`val_loss`) or an evaluation metric (`gsm8k/accuracy` or `accuracy`)
 * @returns the summary key
 * @example
 * ```ts
 * metricGoalSummaryKey('lr'); // 'goal/lr'
 * ```
 */
export function metricGoalSummaryKey(metric: string): string {
  return `goal/${metric}`;
}

/** Parts of a metric name that mean lower is better, anywhere in the name. */
const LOWER_SUBSTRINGS = ['loss', 'error', 'perplexity', 'latency', 'regret'] as const;
/** Abbreviations that mean lower is better when they are a whole word of the name (`val_mse`, `wer`). */
const LOWER_WORDS = ['ppl', 'nll', 'mse', 'mae', 'rmse', 'wer', 'cer', 'cost', 'err', 'usd'] as const;
/** Parts of a metric name that mean higher is better, anywhere in the name. */
const HIGHER_SUBSTRINGS = ['accuracy', 'precision', 'recall', 'reward', 'score', 'bleu', 'rouge', 'exact_match', 'equiv', 'verify', 'win_rate', 'pass@'] as const;
/** Words that mean higher is better when they are a whole word of the name (`val_acc`, `f1`). */
const HIGHER_WORDS = ['acc', 'f1', 'auc', 'auroc', 'map', 'ndcg', 'mrr', 'iou', 'dice', 'em', 'r2', 'return', 'throughput', 'mc1', 'mc2'] as const;

/**
 * The goal a metric's name implies: `minimize` when the lower-cased name contains `loss`, `error`,
 * `perplexity`, `latency` or `regret`, or has a word (split at anything but letters, digits and
 * `@`) `ppl`, `nll`, `mse`, `mae`, `rmse`, `wer`, `cer`, `cost`, `err` or `usd`; `maximize` when it
 * contains `accuracy`, `precision`, `recall`, `reward`, `score`, `bleu`, `rouge`, `exact_match`,
 * `equiv`, `verify`, `win_rate` or `pass@`, or has a word `acc`, `f1`, `auc`, `auroc`, `map`, `ndcg`,
 * `mrr`, `iou`, `dice`, `em`, `r2`, `return`, `throughput`, `mc1` or `mc2`; `none` otherwise.
 *
 * @param metric - the metric's name
 * @returns the goal its name implies
 * @example
 * ```ts
 * goalFromMetricName('val_loss'); // 'minimize'
 * goalFromMetricName('acc_norm'); // 'maximize'
 * goalFromMetricName('lr'); // 'none'
 * ```
 */
export function goalFromMetricName(metric: string): MetricGoal {
  const name = metric.toLowerCase();
  const words = name.split(/[^a-z0-9@]+/);
  if (LOWER_SUBSTRINGS.some((part) => name.includes(part)) || LOWER_WORDS.some((word) => words.includes(word))) return 'minimize';
  if (HIGHER_SUBSTRINGS.some((part) => name.includes(part)) || HIGHER_WORDS.some((word) => words.includes(word))) return 'maximize';
  return 'none';
}

/**
 * The goal the newest run that declares one gave a metric (`goal/<benchmark>/<metric>`, then
 * `goal/<metric>` in its summary, as `tracker.defineMetric` writes them).
 *
 * @param metric - the metric
 * @param benchmark - its benchmark, or null for a training metric
 * @param summaries - the runs' summaries, newest first
 * @returns the declared goal, or undefined when no run declares one
 * @example
 * ```ts
 * declaredMetricGoal('lr', null, [{ 'goal/lr': 'none' }]); // 'none'
 * ```
 */
export function declaredMetricGoal(metric: string, benchmark: string | null, summaries: readonly Record<string, JsonValue>[]): MetricGoal | undefined {
  const keys = benchmark === null ? [metricGoalSummaryKey(metric)] : [metricGoalSummaryKey(`${benchmark}/${metric}`), metricGoalSummaryKey(metric)];
  for (const summary of summaries) {
    for (const key of keys) {
      const declared = summary[key];
      if (typeof declared === 'string' && (METRIC_GOALS as readonly string[]).includes(declared)) return declared as MetricGoal;
    }
  }
  return undefined;
}

/**
 * The goal of a metric for a set of runs: the declared one ({@link declaredMetricGoal}), else the
 * one its name implies ({@link goalFromMetricName}).
 *
 * @param metric - the metric
 * @param benchmark - its benchmark, or null for a training metric
 * @param summaries - the runs' summaries, newest first
 * @returns the goal
 * @example
 * ```ts
 * metricGoal('lr', null, [{ 'goal/lr': 'none' }]); // 'none'
 * metricGoal('val_loss', null, []); // 'minimize'
 * ```
 */
export function metricGoal(metric: string, benchmark: string | null, summaries: readonly Record<string, JsonValue>[]): MetricGoal {
  return declaredMetricGoal(metric, benchmark, summaries) ?? goalFromMetricName(metric);
}
