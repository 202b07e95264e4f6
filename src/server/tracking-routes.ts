/**
 * The exptrack API (mounted under `/api/v1`): ingestion of the tracker's batches and the whole
 * read contract of the store, in the JSON of `encodeWireJson` (NaN and ±Infinity kept). A read
 * takes its arguments as the `q` query parameter (`GET`, cacheable, with an `ETag`) or, when they
 * are too long for a URL, as the body of a `POST` to the same path.
 * @module
 */
import { decodeWireJson, encodeWireJson, ExptrackError, type ExperimentReader, type TrackerEvent } from 'exptrack';
import { HttpError, readJsonText } from './http.js';
import { parseIngestBatch } from './ingest-schema.js';
import type { Ingestion } from './ingestion.js';
import { decodeArgs, idOrIdsOf, metricSelectorOf, optionalString, outlineQueryOf, queryOf, selectionOf } from './read-args.js';
import type { Answer, Route, RouteContext } from './router.js';

/** Options of {@link trackingRoutes}. */
export interface TrackingRoutesOptions {
  /** The store reads go to. */
  reader: ExperimentReader;
  /** Where batches go. */
  ingestion: Ingestion;
  /** Largest ingestion body, in bytes. */
  maxBatchBytes: number;
  /** What `/info` reports. */
  version: string;
  /** Completes a checked batch before it is written (the server gives artifact events their uploaded bytes). */
  prepareEvents?: (events: TrackerEvent[]) => Promise<TrackerEvent[]>;
}

/** Most runs whose summaries `GET /experiments` with `"with":"summaries"` adds. */
const MAX_READ_AHEAD = 1_000;

/** Largest body of a read sent by POST. */
const MAX_READ_BODY = 64 * 1024 * 1024;

/**
 * The routes of the exptrack API.
 *
 * @param options - the store, the ingestion and the limits
 * @returns the routes, to mount under `/api/v1`
 * @example
 * ```ts
 * const router = new Router().mount('/api/v1', trackingRoutes({ reader: store, ingestion, maxBatchBytes: 64 << 20, version: '0.1.0' }));
 * ```
 */
export function trackingRoutes(options: TrackingRoutesOptions): Route[] {
  const { reader: store, ingestion } = options;
  return [
    {
      method: 'POST',
      path: '/batches',
      access: 'write',
      async handle(ctx) {
        const release = ingestion.reserve();
        let batch;
        try {
          const text = await readJsonText(ctx.req, options.maxBatchBytes);
          let body: unknown;
          try {
            body = decodeWireJson(text);
          } catch (error) {
            throw new HttpError(400, `the body is not the API's JSON: ${(error as Error).message}`);
          }
          const parsed = parseIngestBatch(body);
          batch = parsed.batch;
          await ingestion.apply(batch, options.prepareEvents ? await options.prepareEvents(parsed.events) : parsed.events);
        } finally {
          release();
        }
        return { status: 200, body: encodeWireJson({ session: batch.session, sequence: batch.sequence }), contentType: JSON_TYPE };
      },
    },
    { method: 'GET', path: '/info', access: 'read', handle: async () => answer({ name: 'exptrack', api: 1, version: options.version }) },
    ...read('/experiments', async (a) => {
      const runs = await store.getAllExperiments(queryOf(a));
      if (a.with === undefined) return runs;
      // Read-ahead: the page and its metric summaries in one round trip (what `exptrack list` shows).
      if (a.with !== 'summaries') throw new ExptrackError(`with must be "summaries", not ${JSON.stringify(a.with)?.slice(0, 100)}`, { code: 'invalid_input', field: 'with' });
      if (runs.length > MAX_READ_AHEAD) return runs;
      return { experiments: runs, summaries: await store.getMetricSummaries(runs.map((run) => run.id)) };
    }),
    ...read('/experiments-count', async (a) => store.countExperiments(selectionOf(a))),
    ...read('/experiment-ids', async (a) => {
      const limit = a.limit === undefined ? undefined : queryOf({ limit: a.limit }).limit;
      return store.findExperimentIds(optionalString('prefix', a.prefix) ?? '', limit);
    }),
    ...read('/metric-values', async (a) => store.getMetricValues(metricSelectorOf(a.metric), selectionOf((a.selection ?? {}) as Record<string, unknown>))),
    ...read('/metric-summaries', async (a) => store.getMetricSummaries(idOrIdsOf('ids', a.ids))),
    ...read('/evaluations', async (a) => store.getEvaluationResults(idOrIdsOf('ids', a.ids), optionalString('benchmark', a.benchmark))),
    ...read('/stats', async () => store.getStats()),
    ...read('/experiments/:id', async (_a, ctx) => {
      const experiment = await store.getExperiment(ctx.params.id!);
      if (experiment === undefined) throw new ExptrackError(`no experiment with id ${ctx.params.id!.slice(0, 200)}`, { code: 'not_found', field: 'id' });
      return experiment;
    }),
    ...read('/experiments/:id/metrics', async (a, ctx) => store.getMetrics(ctx.params.id!, optionalString('key', a.key))),
    ...read('/experiments/:id/metric-page', async (a, ctx) => {
      if (store.getMetricPage === undefined) throw new ExptrackError('this store reads no metric pages', { code: 'unsupported' });
      const after = optionalString('after', a.after);
      return store.getMetricPage(ctx.params.id!, { ...(after === undefined ? {} : { after }), ...(a.limit === undefined ? {} : { limit: a.limit as number }) });
    }),
    ...read('/experiments/:id/outline', async (a, ctx) => store.getMetricOutline(ctx.params.id!, optionalString('key', a.key) ?? '', outlineQueryOf(a))),
    ...read('/experiments/:id/samples', async (a, ctx) => store.getEvaluationSamples(ctx.params.id!, optionalString('benchmark', a.benchmark))),
    ...read('/experiments/:id/checkpoints', async (_a, ctx) => store.getCheckpoints(ctx.params.id!)),
    {
      method: 'DELETE',
      path: '/experiments/:id',
      access: 'write',
      handle: async (ctx) => answer(await store.deleteExperiment(ctx.params.id!)),
    },
  ];
}

const JSON_TYPE = 'application/json; charset=utf-8';

function answer(value: unknown, cacheable = false): Answer {
  return { status: 200, body: encodeWireJson(value), contentType: JSON_TYPE, cacheable };
}

/** A read route, by GET (arguments in `q`, cacheable) and by POST (arguments as the body). */
function read(path: string, body: (args: Record<string, unknown>, ctx: RouteContext) => Promise<unknown>): Route[] {
  return [
    { method: 'GET', path, access: 'read', handle: async (ctx) => answer(await body(decodeArgs(ctx.query.string('q', 64 * 1024)), ctx), true) },
    { method: 'POST', path, access: 'read', handle: async (ctx) => answer(await body(decodeArgs(await readJsonText(ctx.req, MAX_READ_BODY)), ctx)) },
  ];
}
