/**
 * The MLflow-compatible API of the tracking server: MLflow's REST API 2.0 tracking endpoints and its
 * artifact proxy, answered from an exptrack store, so MLflow's clients (Python, R, Java, and the
 * integrations built on them) log into exptrack unchanged. Mapping and coverage: docs/MLFLOW.md.
 * @module
 */
import { hasGroupCatalog } from 'exptrack';
import type { Route } from '../router.js';
import type { ServerStore } from '../tracking-server.js';
import { artifactRoutes, listArtifactsRoute } from './artifact-routes.js';
import { ExperimentCatalog } from './experiment-catalog.js';
import { experimentRoutes } from './experiment-routes.js';
import { loggingRoutes } from './logging-routes.js';
import { RunAccess } from './run-access.js';
import { runRoutes } from './run-routes.js';

/** Options of {@link mlflowMounts}. */
export interface MlflowApiOptions {
  /** The store (it must keep a group catalog: SQLite and Postgres do). */
  store: ServerStore;
  /** The largest artifact file one upload may carry. @defaultValue 512 MiB */
  maxArtifactBytes?: number;
}

/**
 * The MLflow API's routes with the prefixes they are served under: the tracking endpoints under
 * `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow`, the artifact proxy under `/api/2.0/mlflow-artifacts`.
 *
 * @param options - the store and the upload bound
 * @returns mounts for `startTrackingServer({ mounts })`
 * @throws Error when the store keeps no group catalog
 * @example
 * ```ts
 * const server = await startTrackingServer({ store, mounts: mlflowMounts({ store }) });
 * // MLFLOW_TRACKING_URI=<server.url> python train.py
 * ```
 */
export function mlflowMounts(options: MlflowApiOptions): Array<{ prefix: string; routes: Route[] }> {
  const { store } = options;
  if (!hasGroupCatalog(store)) throw new Error(`the MLflow API needs a store with a group catalog (SQLite or Postgres), not ${store.name}`);
  const catalog = new ExperimentCatalog(store);
  const runs = new RunAccess(store);
  const tracking = [...experimentRoutes(catalog), ...runRoutes(runs, catalog), ...loggingRoutes(runs), listArtifactsRoute(runs, (group) => catalog.idOfGroup(group))];
  return [
    { prefix: '/api/2.0/mlflow', routes: tracking },
    { prefix: '/ajax-api/2.0/mlflow', routes: tracking },
    { prefix: '/api/2.0/mlflow-artifacts', routes: artifactRoutes(runs, options.maxArtifactBytes ?? 512 * 1024 * 1024) },
  ];
}
