import type { ExperimentReader } from '../../core/backend.js';
import type { EvaluationRecord, StoredEvaluationSample } from '../../core/types.js';

/**
 * A reader that remembers evaluation results and samples for the length of one analysis call, so
 * that testing many metrics of the same runs reads each evaluation once.
 */
export function cachedReader(store: ExperimentReader): ExperimentReader {
  const results = new Map<string, Promise<EvaluationRecord[]>>();
  const samples = new Map<string, Promise<StoredEvaluationSample[]>>();
  const key = (id: string, benchmark: string | undefined) => JSON.stringify([id, benchmark ?? null]);
  return {
    getAllExperiments: (query) => store.getAllExperiments(query),
    getExperiment: (id) => store.getExperiment(id),
    findExperimentIds: (prefix, limit) => store.findExperimentIds(prefix, limit),
    getMetrics: (id, metric) => store.getMetrics(id, metric),
    getMetricSummaries: (id) => store.getMetricSummaries(id),
    getEvaluationResults: (id, benchmark) => memo(results, key(id, benchmark), () => store.getEvaluationResults(id, benchmark)),
    getEvaluationSamples: (id, benchmark) => memo(samples, key(id, benchmark), () => store.getEvaluationSamples(id, benchmark)),
    getCheckpoints: (id) => store.getCheckpoints(id),
    getStats: () => store.getStats(),
    deleteExperiment: (id) => store.deleteExperiment(id),
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
