/**
 * Which benchmarks and metrics a store's runs have, for telling a user what exists when they name
 * one that does not.
 * @module
 */
import type { ExperimentReader } from 'exptrack';

/** How many of the newest runs are read to learn the names. */
const RUNS_READ = 1000;

/** The names a store's runs have logged. */
export interface KnownMetrics {
  /** Evaluation metrics by benchmark. */
  benchmarks: Map<string, Set<string>>;
  /** Training metric keys. */
  training: Set<string>;
}

/**
 * The benchmarks, their metrics and the training metrics of the newest runs of a store.
 *
 * @param store - the store
 * @returns the names, from the newest 1,000 runs
 * @example
 * ```ts
 * const known = await knownMetrics(store);
 * [...known.benchmarks.keys()]; // ['gsm8k', 'math']
 * ```
 */
export async function knownMetrics(store: ExperimentReader): Promise<KnownMetrics> {
  const ids = (await store.getAllExperiments({ limit: RUNS_READ })).map((e) => e.id);
  const [evaluations, summaries] = await Promise.all([store.getEvaluationResults(ids), store.getMetricSummaries(ids)]);
  const benchmarks = new Map<string, Set<string>>();
  for (const record of evaluations) {
    const metrics = benchmarks.get(record.benchmark) ?? new Set<string>();
    for (const metric of Object.keys(record.metrics)) metrics.add(metric);
    benchmarks.set(record.benchmark, metrics);
  }
  return { benchmarks, training: new Set(summaries.map((s) => s.key)) };
}
