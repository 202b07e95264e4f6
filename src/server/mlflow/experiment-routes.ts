/**
 * MLflow's experiment endpoints (`/experiments/...`), on the group catalog.
 * @module
 */
import type { Route } from '../router.js';
import { experimentJson, type ExperimentCatalog, type MlflowExperimentRecord } from './experiment-catalog.js';
import { invalidValue } from './mlflow-error.js';
import { missing } from './request-args.js';
import { mlflowRoute } from './mlflow-route.js';
import { maxResultsOf, offsetOf, pageOf } from './page-token.js';
import { matchesFilter, parseSearchFilter, type EntityLookup } from './search-filter.js';
import { orderComparator, parseOrderBy } from './search-order.js';
import { viewTypeOf, inView } from './view-type.js';

/**
 * The experiment endpoints.
 *
 * @param catalog - the experiments
 * @returns the routes, to mount under `/api/2.0/mlflow`
 */
export function experimentRoutes(catalog: ExperimentCatalog): Route[] {
  return [
    mlflowRoute('POST', '/experiments/create', 'write', async (args) => {
      const name = args.optionalString('name');
      if (name === undefined) throw missing('name');
      const tags = Object.fromEntries(args.objects('tags').map((t) => [String(t.key), String(t.value)]));
      const record = await catalog.create(name, tags);
      return { experiment_id: record.id };
    }),
    ...both('GET', '/experiments/get', 'read', async (args) => ({ experiment: experimentJson(await catalog.byId(args.string('experiment_id'))) })),
    ...both('GET', '/experiments/get-by-name', 'read', async (args) => ({ experiment: experimentJson(await catalog.byName(args.string('experiment_name'))) })),
    ...both('POST', '/experiments/search', 'read', async (args) => {
      const clauses = parseSearchFilter(args.optionalString('filter'));
      const order = parseOrderBy(args.strings('order_by'));
      const view = viewTypeOf(args.optionalString('view_type'));
      const max = maxResultsOf(args.optionalInteger('max_results'), 1000, 50_000);
      const lookup = (e: MlflowExperimentRecord): EntityLookup => (type, key) => experimentField(e, type, key);
      const found = (await catalog.all()).filter((e) => inView(e.deleted, view) && matchesFilter(clauses, lookup(e)));
      // MLflow's default: newest first, then by id.
      found.sort(orderComparator(order, lookup, (a, b) => b.createdAt - a.createdAt || Number(a.id) - Number(b.id)));
      const page = pageOf(found, offsetOf(args.optionalString('page_token')), max);
      return { experiments: page.items.map(experimentJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    }),
    mlflowRoute('POST', '/experiments/update', 'write', async (args) => {
      const name = args.optionalString('new_name');
      if (name === undefined || name === '') throw invalidValue("Missing value for required parameter 'new_name'. See the API docs for more information about request parameters.");
      await catalog.update(args.string('experiment_id'), { name });
      return {};
    }),
    mlflowRoute('POST', '/experiments/delete', 'write', async (args) => {
      await catalog.update(args.string('experiment_id'), { deleted: true });
      return {};
    }),
    mlflowRoute('POST', '/experiments/restore', 'write', async (args) => {
      await catalog.update(args.string('experiment_id'), { deleted: false });
      return {};
    }),
    mlflowRoute('POST', '/experiments/set-experiment-tag', 'write', async (args) => {
      await catalog.update(args.string('experiment_id'), { tags: { [args.string('key')]: args.optionalString('value') ?? '' } });
      return {};
    }),
    mlflowRoute('POST', '/experiments/delete-experiment-tag', 'write', async (args) => {
      await catalog.update(args.string('experiment_id'), { tags: { [args.string('key')]: null } });
      return {};
    }),
  ];
}

/** MLflow answers some reads on GET and POST alike. */
function both(method: 'GET' | 'POST', path: string, access: 'read', body: Parameters<typeof mlflowRoute>[3]): Route[] {
  return [mlflowRoute(method, path, access, body), mlflowRoute(method === 'GET' ? 'POST' : 'GET', path, access, body)];
}

function experimentField(e: MlflowExperimentRecord, type: string, key: string): string | number | undefined {
  if (type === 'tag') return e.tags[key];
  if (type !== 'attribute') return undefined;
  switch (key) {
    case 'name':
      return e.name;
    case 'experiment_id':
      return e.id;
    case 'creation_time':
      return e.createdAt;
    case 'last_update_time':
      return e.updatedAt;
    case 'lifecycle_stage':
      return e.deleted ? 'deleted' : 'active';
    default:
      throw invalidValue(`Invalid attribute key '${key}' specified. Valid keys are '{'name', 'creation_time', 'last_update_time', 'experiment_id'}'`);
  }
}
