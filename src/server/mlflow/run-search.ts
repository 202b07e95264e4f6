/**
 * `runs/search`: the runs of the given experiments that pass an MLflow filter, in MLflow's order
 * (`order_by`, then start time descending, then run id). The store selects the experiments' groups;
 * the filter and the order are applied here, over the runs as MLflow sees them (params as strings,
 * each metric's latest value, system tags), so their semantics are MLflow's exactly (`LIKE` is
 * case-sensitive, `ILIKE` not; a missing key fails any comparison).
 * @module
 */
import type { Experiment, MetricSummary } from 'exptrack';
import type { ExperimentCatalog, MlflowStore } from './experiment-catalog.js';
import { invalidValue } from './mlflow-error.js';
import { isDeleted, mlflowStatus, mlflowTags, paramText, runJson } from './run-mapping.js';
import { matchesFilter, parseSearchFilter, type EntityLookup } from './search-filter.js';
import { orderComparator, parseOrderBy } from './search-order.js';
import { inView, viewTypeOf } from './view-type.js';

/** What a run search asks for. */
export interface RunSearch {
  experimentIds: readonly string[];
  filter: string | undefined;
  orderBy: readonly string[];
  viewType: string | undefined;
}

/** The matching runs in MLflow's JSON and order (paging is the caller's). */
export async function searchRuns(store: MlflowStore, catalog: ExperimentCatalog, search: RunSearch) {
  const clauses = parseSearchFilter(search.filter);
  const order = parseOrderBy(search.orderBy);
  const view = viewTypeOf(search.viewType);
  const experiments = (await catalog.all()).filter((e) => search.experimentIds.includes(e.id));
  const runs: Array<{ run: Experiment; experimentId: string }> = [];
  for (const experiment of experiments) {
    const inGroup = experiment.group === null ? (await store.getAllExperiments()).filter((r) => r.group === null) : await store.getAllExperiments({ group: experiment.group });
    for (const run of inGroup) if (inView(isDeleted(run), view)) runs.push({ run, experimentId: experiment.id });
  }
  const summaries = new Map<string, MetricSummary[]>();
  if (runs.length > 0) {
    for (const s of await store.getMetricSummaries(runs.map((r) => r.run.id))) {
      const list = summaries.get(s.experimentId) ?? [];
      list.push(s);
      summaries.set(s.experimentId, list);
    }
  }
  const lookup =
    ({ run, experimentId }: { run: Experiment; experimentId: string }): EntityLookup =>
    (type, key) =>
      runField(run, experimentId, summaries.get(run.id) ?? [], type, key);
  const found = runs.filter((r) => matchesFilter(clauses, lookup(r)));
  found.sort(orderComparator(order, lookup, (a, b) => b.run.createdAt - a.run.createdAt || (a.run.id < b.run.id ? -1 : a.run.id > b.run.id ? 1 : 0)));
  return found.map(({ run, experimentId }) => runJson(run, experimentId, summaries.get(run.id) ?? []));
}

function runField(run: Experiment, experimentId: string, summaries: readonly MetricSummary[], type: string, key: string): string | number | undefined {
  switch (type) {
    case 'metric':
      return summaries.find((s) => s.key === key)?.last;
    case 'param':
      return key in run.config ? paramText(run.config[key]) : undefined;
    case 'tag':
      return mlflowTags(run)[key];
    case 'dataset':
      return undefined;
  }
  switch (key) {
    case 'run_id':
    case 'run_uuid':
      return run.id;
    case 'run_name':
      return run.name;
    case 'status':
      return mlflowStatus(run.status);
    case 'user_id':
      return run.tags['mlflow.user'] ?? '';
    case 'start_time':
    case 'created':
    case 'Created':
      return run.createdAt;
    case 'end_time':
      return run.endedAt ?? undefined;
    case 'artifact_uri':
      return `mlflow-artifacts:/${experimentId}/${run.id}/artifacts`;
    case 'lifecycle_stage':
      return isDeleted(run) ? 'deleted' : 'active';
    default:
      throw invalidValue(`Invalid attribute key '${key}' specified. Valid keys are '{'run_id', 'run_name', 'status', 'user_id', 'start_time', 'end_time', 'artifact_uri', 'lifecycle_stage'}'`);
  }
}
