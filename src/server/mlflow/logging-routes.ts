/**
 * MLflow's logging endpoints: `log-batch`, `log-metric`, `log-parameter`, `set-tag`, `delete-tag`,
 * `log-inputs`, and the metric history (`metrics/get-history`, paged).
 * @module
 */
import type { Route } from '../router.js';
import { batchEvents, checkBatch } from './log-batch.js';
import { invalidValue } from './mlflow-error.js';
import { mlflowRoute } from './mlflow-route.js';
import { maxResultsOf, offsetOf, pageOf } from './page-token.js';
import { writeDouble, type RequestArgs } from './request-args.js';
import type { RunAccess } from './run-access.js';

/** Where `log-inputs` keeps the datasets a run used (the run's summary). */
export const DATASETS_KEY = 'mlflow.datasets';

/**
 * The logging endpoints.
 *
 * @param runs - run reads and writes
 * @returns the routes, to mount under `/api/2.0/mlflow`
 */
export function loggingRoutes(runs: RunAccess): Route[] {
  const log = async (args: RequestArgs, raw: Parameters<typeof checkBatch>[0]) => {
    const batch = checkBatch(raw);
    const run = await runs.active(args.runId());
    await runs.write(batchEvents(run, batch, Date.now()));
    return {};
  };
  return [
    mlflowRoute('POST', '/runs/log-batch', 'write', (args) => log(args, { metrics: args.objects('metrics'), params: args.objects('params'), tags: args.objects('tags') })),
    mlflowRoute('POST', '/runs/log-metric', 'write', (args) => log(args, { metrics: [args.values as Record<string, unknown>], params: [], tags: [] })),
    mlflowRoute('POST', '/runs/log-parameter', 'write', (args) => log(args, { metrics: [], params: [args.values as Record<string, unknown>], tags: [] })),
    mlflowRoute('POST', '/runs/set-tag', 'write', (args) => log(args, { metrics: [], params: [], tags: [args.values as Record<string, unknown>] })),
    mlflowRoute('POST', '/runs/delete-tag', 'write', async (args) => {
      const run = await runs.active(args.runId());
      const key = args.string('key');
      if (!(key in run.tags)) throw invalidValue(`No tag with name: ${key} in run with id ${run.id}`);
      await runs.write([{ type: 'experiment_updated', experimentId: run.id, changes: { tags: { [key]: null } } }]);
      return {};
    }),
    mlflowRoute('POST', '/runs/log-inputs', 'write', async (args) => {
      const run = await runs.active(args.runId());
      const datasets = args.objects('datasets');
      if (datasets.length > 1000) throw invalidValue(`A log-inputs request can contain at most 1000 datasets. Got ${datasets.length}.`);
      const before = Array.isArray(run.summary[DATASETS_KEY]) ? (run.summary[DATASETS_KEY] as unknown[]) : [];
      const recorded = JSON.parse(JSON.stringify([...before, ...datasets])) as never;
      await runs.write([{ type: 'experiment_updated', experimentId: run.id, changes: { summary: { [DATASETS_KEY]: recorded } } }]);
      return {};
    }),
    ...(['GET', 'POST'] as const).map((method) =>
      mlflowRoute(method, '/metrics/get-history', 'read', async (args) => {
        const run = await runs.get(args.runId());
        const key = args.string('metric_key');
        const points = await runs.store.getMetrics(run.id, key);
        const max = maxResultsOf(args.optionalInteger('max_results'), 25_000, 25_000);
        const token = args.optionalString('page_token');
        const page = token === undefined && args.optionalInteger('max_results') === undefined ? { items: points } : pageOf(points, offsetOf(token), max);
        return {
          metrics: page.items.map((p) => ({ key: p.key, value: writeDouble(p.value), timestamp: p.timestamp, step: p.step })),
          ...('nextPageToken' in page && page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
        };
      }),
    ),
    // The client asks for logged models while listing artifacts; this server keeps none.
    mlflowRoute('POST', '/logged-models/search', 'read', async () => ({ models: [] })),
  ];
}
