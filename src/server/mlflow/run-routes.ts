/**
 * MLflow's run endpoints: create, get, update (status and name), delete and restore (soft, a tag),
 * and search with MLflow's filter grammar, `order_by`, paging and `run_view_type`.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { Experiment } from 'exptrack';
import type { Route } from '../router.js';
import type { ExperimentCatalog } from './experiment-catalog.js';
import { invalidValue } from './mlflow-error.js';
import { mlflowRoute } from './mlflow-route.js';
import { maxResultsOf, offsetOf, pageOf } from './page-token.js';
import type { RunAccess } from './run-access.js';
import { DELETED_TAG, exptrackStatus, NOTE_TAG, RUN_NAME_TAG, runInfoJson } from './run-mapping.js';
import { searchRuns } from './run-search.js';
import { runJsonOf } from './run-json.js';

/**
 * The run endpoints.
 *
 * @param runs - run reads and writes
 * @param catalog - the experiments
 * @returns the routes, to mount under `/api/2.0/mlflow`
 */
export function runRoutes(runs: RunAccess, catalog: ExperimentCatalog): Route[] {
  return [
    mlflowRoute('POST', '/runs/create', 'write', async (args) => {
      const experimentId = args.optionalString('experiment_id') ?? '0';
      const experiment = await catalog.byId(experimentId);
      if (experiment.deleted) throw invalidValue(`The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`);
      const tags = Object.fromEntries(args.objects('tags').map((t) => [String(t.key), String(t.value ?? '')]));
      const now = Date.now();
      const name = args.optionalString('run_name') || tags[RUN_NAME_TAG] || `run-${randomUUID().slice(0, 8)}`;
      const user = args.optionalString('user_id');
      const notes = tags[NOTE_TAG] ?? '';
      delete tags[RUN_NAME_TAG];
      delete tags[NOTE_TAG];
      if (user !== undefined && user !== '' && tags['mlflow.user'] === undefined) tags['mlflow.user'] = user;
      const run: Experiment = {
        id: randomUUID().replaceAll('-', ''),
        name,
        notes,
        group: experiment.group,
        config: {},
        tags,
        status: 'running',
        createdAt: args.optionalInteger('start_time') ?? now,
        endedAt: null,
        heartbeatAt: now,
        git: null,
        environment: null,
        summary: {},
        error: null,
      };
      await runs.write([{ type: 'experiment_started', experiment: run }]);
      return { run: await runJsonOf(runs.store, catalog, run) };
    }),
    ...[mlflowRoute('GET', '/runs/get', 'read', getRun), mlflowRoute('POST', '/runs/get', 'read', getRun)],
    mlflowRoute('POST', '/runs/update', 'write', async (args) => {
      const id = args.runId();
      const run = await runs.get(id);
      const statusText = args.optionalString('status');
      const status = statusText === undefined ? undefined : exptrackStatus(statusText);
      if (statusText !== undefined && status === undefined) throw invalidValue(`Invalid value '${statusText.slice(0, 50)}' for parameter 'status': use RUNNING, SCHEDULED, FINISHED, FAILED or KILLED`);
      const name = args.optionalString('run_name');
      const endTime = args.optionalInteger('end_time');
      const now = Date.now();
      const changes = {
        ...(status === undefined ? {} : { status, endedAt: status === 'running' ? null : (endTime ?? now) }),
        ...(status === undefined && endTime !== undefined ? { endedAt: endTime } : {}),
        ...(name ? { name } : {}),
        ...(run.status === 'running' && status === undefined ? { heartbeatAt: now } : {}),
      };
      await runs.write([{ type: 'experiment_updated', experimentId: id, changes }]);
      return { run_info: runInfoJson(await runs.get(id), await catalog.idOfGroup(run.group)) };
    }),
    mlflowRoute('POST', '/runs/delete', 'write', async (args) => {
      const run = await runs.get(args.runId());
      await runs.write([{ type: 'experiment_updated', experimentId: run.id, changes: { tags: { [DELETED_TAG]: 'deleted' } } }]);
      return {};
    }),
    mlflowRoute('POST', '/runs/restore', 'write', async (args) => {
      const run = await runs.get(args.runId());
      await runs.write([{ type: 'experiment_updated', experimentId: run.id, changes: { tags: { [DELETED_TAG]: null } } }]);
      return {};
    }),
    mlflowRoute('POST', '/runs/search', 'read', async (args) => {
      const max = maxResultsOf(args.optionalInteger('max_results'), 1000, 50_000);
      const found = await searchRuns(runs.store, catalog, {
        experimentIds: args.strings('experiment_ids'),
        filter: args.optionalString('filter'),
        orderBy: args.strings('order_by'),
        viewType: args.optionalString('run_view_type'),
      });
      const page = pageOf(found, offsetOf(args.optionalString('page_token')), max);
      return { runs: page.items, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    }),
  ];

  async function getRun(args: Parameters<Parameters<typeof mlflowRoute>[3]>[0]) {
    return { run: await runJsonOf(runs.store, catalog, await runs.get(args.runId())) };
  }
}
