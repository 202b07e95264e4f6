/**
 * Pieces several commands share: statuses and their colours, and the key metrics of a run.
 * @module
 */
import type { EvaluationRecord, Experiment, ExperimentReader, ExperimentStatus } from 'exptrack';
import { experimentDuration, type RunCost } from 'exptrack/analysis';
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
 * The latest evaluation of each benchmark: the one logged last, as the store and the leaderboard
 * count it (a timestamp may be set by hand).
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
  for (const r of records) latest.set(r.benchmark, r);
  return [...latest.values()];
}

/**
 * The key metrics of runs: for each, the main metric of the latest evaluation of each benchmark
 * (`gsm8k/accuracy`), then the last value of each training metric. Two queries for all the runs,
 * however many there are (the store splits long id lists itself).
 *
 * @param store - the store
 * @param ids - the runs' ids
 * @returns each id's metric names to values (an empty record for a run without any)
 * @example
 * ```ts
 * const metrics = await keyMetrics(store, experiments.map((e) => e.id));
 * metrics.get(id); // { 'gsm8k/accuracy': 0.71, loss: 0.021 }
 * ```
 */
export async function keyMetrics(store: ExperimentReader, ids: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(ids.map((id) => [id, {}]));
  if (ids.length === 0) return out;
  const [evaluations, summaries] = await Promise.all([store.getEvaluationResults(ids), store.getMetricSummaries(ids)]);
  const evaluationsOf = new Map<string, EvaluationRecord[]>();
  for (const e of evaluations) {
    const records = evaluationsOf.get(e.experimentId);
    if (records === undefined) evaluationsOf.set(e.experimentId, [e]);
    else records.push(e);
  }
  for (const [id, records] of evaluationsOf) {
    const metrics = out.get(id);
    if (metrics === undefined) continue;
    for (const e of latestByBenchmark(records)) {
      const metric = primaryMetric(e.metrics);
      if (metric !== undefined) metrics[`${e.benchmark}/${metric}`] = e.metrics[metric] as number;
    }
  }
  for (const s of summaries) {
    if (s.key.startsWith('system/')) continue; // machine readings, not results
    const metrics = out.get(s.experimentId);
    if (metrics !== undefined) metrics[s.key] = s.last;
  }
  return out;
}

/**
 * One row of `exptrack list --json` (`{ "experiments": [...] }`) and of the dashboard's experiments table.
 */
export interface ListedExperiment {
  id: string;
  name: string;
  status: ExperimentStatus;
  group: string | null;
  tags: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt: number;
  endedAt: number | null;
  /** How long it ran (`experimentDuration`): for a running experiment, the time since it started. */
  durationMs: number;
  git: { commit: string; branch: string | null; dirty: boolean } | null;
  /** `<benchmark>/<metric>` of the latest evaluations, then the last value of each training metric. */
  metrics: Record<string, number>;
  /** What the run used and cost, under the summary keys (`compute/gpu_hours`, `cost/usd`, ...). */
  cost: RunCost;
}

/**
 * An experiment as `list` and the dashboard show it.
 *
 * @param e - the experiment
 * @param metrics - its key metrics (see {@link keyMetrics})
 * @param now - the end of a running experiment's duration
 * @param cost - what it used and cost (`costOf(e.summary)` of `exptrack/analysis`)
 * @returns the row
 * @example
 * ```ts
 * listedExperiment(run, { 'gsm8k/accuracy': 0.71 }, Date.now(), costOf(run.summary)).durationMs;
 * ```
 */
export function listedExperiment(e: Experiment, metrics: Record<string, number>, now: number, cost: RunCost): ListedExperiment {
  return {
    id: e.id,
    name: e.name,
    status: e.status,
    group: e.group,
    tags: e.tags,
    createdAt: e.createdAt,
    endedAt: e.endedAt,
    durationMs: experimentDuration(e, now),
    git: e.git === null ? null : { commit: e.git.commit, branch: e.git.branch, dirty: e.git.dirty },
    metrics,
    cost,
  };
}
