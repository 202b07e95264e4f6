import type { ExperimentReader } from '../../core/backend.js';
import type { EvaluationRecord, MetricSummary, StoredEvaluationSample } from '../../core/types.js';

/**
 * A reader that remembers evaluation results and samples for the length of one analysis call, so
 * that testing many metrics of the same runs reads each evaluation once.
 */
export function cachedReader(store: ExperimentReader): ExperimentReader {
  const results = new Map<string, Promise<EvaluationRecord[]>>();
  const samples = new Map<string, Promise<StoredEvaluationSample[]>>();
  const key = (id: string | readonly string[], benchmark: string | undefined) => JSON.stringify([id, benchmark ?? null]);
  return {
    ...bind(store),
    getEvaluationResults: (id, benchmark) => memo(results, key(id, benchmark), () => store.getEvaluationResults(id, benchmark)),
    getEvaluationSamples: (id, benchmark) => memo(samples, key(id, benchmark), () => store.getEvaluationSamples(id, benchmark)),
  };
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (value === undefined) {
    value = load();
    cache.set(key, value);
  }
  return value;
}

/**
 * A reader that has already read, in one batched call each, the evaluations of `benchmark` (or the
 * metric summaries, without a benchmark) of many runs, and answers per-run reads of them from
 * memory: a leaderboard over 10,000 runs costs two queries instead of 10,000.
 */
export async function preloadedReader(store: ExperimentReader, ids: readonly string[], benchmark: string | undefined): Promise<ExperimentReader> {
  const byRun = <T extends { experimentId: string }>(rows: T[]) => {
    const map = new Map<string, T[]>(ids.map((id) => [id, []]));
    for (const row of rows) map.get(row.experimentId)?.push(row);
    return map;
  };
  if (benchmark !== undefined) {
    const evaluations = byRun(await store.getEvaluationResults(ids, benchmark));
    return {
      ...bind(store),
      getEvaluationResults: (id, b) => (typeof id === 'string' && b === benchmark && evaluations.has(id) ? Promise.resolve(evaluations.get(id)!) : store.getEvaluationResults(id, b)),
    };
  }
  const summaries = byRun<MetricSummary>(await store.getMetricSummaries(ids));
  return {
    ...bind(store),
    getMetricSummaries: (id) => (typeof id === 'string' && summaries.has(id) ? Promise.resolve(summaries.get(id)!) : store.getMetricSummaries(id)),
  };
}

/** The reader's methods bound to it, so they can be spread into another object. */
function bind(store: ExperimentReader): ExperimentReader {
  return {
    getAllExperiments: (query) => store.getAllExperiments(query),
    countExperiments: (selection) => store.countExperiments(selection),
    getMetricValues: (metric, selection) => store.getMetricValues(metric, selection),
    getExperiment: (id) => store.getExperiment(id),
    findExperimentIds: (prefix, limit) => store.findExperimentIds(prefix, limit),
    getMetrics: (id, metric) => store.getMetrics(id, metric),
    getMetricOutline: (id, key, query) => store.getMetricOutline(id, key, query),
    getMetricSummaries: (id) => store.getMetricSummaries(id),
    getEvaluationResults: (id, benchmark) => store.getEvaluationResults(id, benchmark),
    getEvaluationSamples: (id, benchmark) => store.getEvaluationSamples(id, benchmark),
    getCheckpoints: (id) => store.getCheckpoints(id),
    getStats: () => store.getStats(),
    deleteExperiment: (id) => store.deleteExperiment(id),
  };
}
