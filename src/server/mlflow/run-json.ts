/**
 * A stored run read into MLflow's JSON, with its experiment id and the latest value of each metric.
 * @module
 */
import type { Experiment } from 'exptrack';
import type { ExperimentCatalog, MlflowStore } from './experiment-catalog.js';
import { runJson } from './run-mapping.js';

/** One run in MLflow's JSON. */
export async function runJsonOf(store: MlflowStore, catalog: ExperimentCatalog, run: Experiment) {
  const [experimentId, summaries] = await Promise.all([catalog.idOfGroup(run.group), store.getMetricSummaries(run.id)]);
  return runJson(run, experimentId, summaries);
}
