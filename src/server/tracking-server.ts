/**
 * The tracking server (`exptrack server`): a `node:http` server in front of a store. It holds no
 * state of its own (batch identities live in the store), so any number of them can stand behind a
 * load balancer in front of one Postgres database. It answers `/healthz` and `/readyz` to anyone,
 * everything else only with a token when one is required, logs one JSON line per request, bounds
 * bodies and request time, and drains in-flight batches before it stops. Importing this module
 * starts nothing.
 * @module
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Backend, ExperimentReader } from 'exptrack';
import { allows, TokenAuth, type ServerToken } from './auth.js';
import { HttpError, hostName, isLoopback, listen, requestUrl, Query, sendError } from './http.js';
import { Ingestion } from './ingestion.js';
import { Router, type Answer, type Route } from './router.js';
import { trackingRoutes } from './tracking-routes.js';
import { artifactRoutes, storeHolds, withUploadedContent } from './artifact-routes.js';
import { BlobStaging } from './blob-staging.js';

/** A store the server reads and writes. */
export type ServerStore = Backend & ExperimentReader;

/** One access-log entry. */
export interface AccessLogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  bytes: number;
  role: string | null;
  remote: string | null;
}

/** Options of {@link startTrackingServer}. */
export interface TrackingServerOptions {
  /** The opened store; reads go to it, and batches too unless `writers` are given. The server does not close it. */
  store: ServerStore;
  /** More opened instances of the same store to spread client sessions over (Postgres). */
  writers?: readonly Backend[];
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @defaultValue 5050 */
  port?: number;
  /** Required on any address but loopback. */
  tokens?: readonly ServerToken[];
  /** Largest ingestion body. @defaultValue 64 MiB */
  maxBatchBytes?: number;
  /** Most batches written at once before new ones get 429. @defaultValue 64 */
  maxInFlightBatches?: number;
  /** A request that takes longer is answered 503 (and its connection closed). @defaultValue 120,000 */
  requestTimeoutMs?: number;
  /** Receives one entry per request. @defaultValue none */
  log?: (entry: AccessLogEntry) => void;
  /** More API families, mounted under their prefixes (see `Router.mount`). */
  mounts?: ReadonlyArray<{ prefix: string; routes: readonly Route[] }>;
  /** Reported by `/api/v1/info`. */
  version?: string;
  /** Largest artifact file or image a client may upload (`PUT /api/v1/blobs/:digest`). @defaultValue 16 GiB */
  maxBlobBytes?: number;
  /**
   * Where uploaded blobs wait for the batch that names them. Servers behind one load balancer
   * share it (or route a client to one server). @defaultValue a fresh directory under the system's temporary directory, removed on close
   */
  blobStagingDir?: string;
  /**
   * Origins of web pages allowed to call the API from a browser (CORS), e.g.
   * `https://notebook.example.com`; `*` allows any. @defaultValue none
   */
  corsOrigins?: readonly string[];
}

/** A running tracking server. */
export interface TrackingServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /**
   * Stops taking requests, waits for those in flight (batches included) for up to `drainMs`,
   * then closes every connection. The store stays open.
   */
  close(drainMs?: number): Promise<void>;
}

/**
 * Starts a tracking server and resolves once it listens.
 *
 * @param options - the store, the address, the tokens and the limits
 * @returns the running server
 * @throws Error when bound to a non-loopback address without a token, or the port is taken
 * @example
 * ```ts
 * const store = new SqliteBackend({ path: 'runs.db' });
 * await store.init();
 * const server = await startTrackingServer({ store, port: 5050 });
 * // new HttpBackend({ url: server.url }) now logs into runs.db
 * ```
 */
export async function startTrackingServer(options: TrackingServerOptions): Promise<TrackingServer> {
  const host = options.host ?? '127.0.0.1';
  const auth = new TokenAuth(options.tokens ?? []);
  if (!auth.required && !isLoopback(host)) {
    throw new Error(`refusing to serve ${host} without a token: set EXPTRACK_SERVER_TOKEN or pass --token-file (only a loopback address may run open)`);
  }
  const ingestion = new Ingestion(options.writers?.length ? options.writers : [options.store], { maxInFlight: options.maxInFlightBatches ?? 64 });
  const staging = await BlobStaging.create({ maxBlobBytes: options.maxBlobBytes ?? 16 * 2 ** 30, ...(options.blobStagingDir === undefined ? {} : { dir: options.blobStagingDir }) });
  const router = new Router()
    .mount(
      '/api/v1',
      trackingRoutes({
        reader: options.store,
        ingestion,
        maxBatchBytes: options.maxBatchBytes ?? 64 * 1024 * 1024,
        version: options.version ?? 'unknown',
        prepareEvents: (events) => withUploadedContent(events, staging, storeHolds(options.store)),
      }),
    )
    .mount('/api/v1', artifactRoutes({ store: options.store, staging }));
  for (const mount of options.mounts ?? []) router.mount(mount.prefix, mount.routes);

  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const health = async (path: string): Promise<Answer | undefined> => {
    if (path === '/healthz') return { status: 200, body: '{"ok":true}' };
    if (path !== '/readyz') return undefined;
    if (draining) return { status: 503, body: '{"ready":false,"reason":"shutting down"}' };
    try {
      await options.store.countExperiments({ ids: [] });
      return { status: 200, body: '{"ready":true}' };
    } catch (error) {
      return { status: 503, body: JSON.stringify({ ready: false, reason: error instanceof Error ? error.message.split('\n')[0] : String(error) }) };
    }
  };

  const corsOrigins = new Set(options.corsOrigins ?? []);
  const handle = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<{ status: number; role: string | null }> => {
    const url = requestUrl(req);
    const method = req.method ?? 'GET';
    const origin = req.headers.origin;
    if (origin !== undefined && (corsOrigins.has(origin) || corsOrigins.has('*'))) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      if (method === 'OPTIONS') {
        // A preflight carries no token: it only asks which methods and headers a page may use.
        res.writeHead(204, { 'access-control-allow-methods': 'GET, POST, PUT, DELETE', 'access-control-allow-headers': 'authorization, content-type, if-none-match', 'access-control-max-age': '600' });
        res.end();
        return { status: 204, role: null };
      }
    }
    const healthAnswer = method === 'GET' || method === 'HEAD' ? await health(url.pathname) : undefined;
    if (healthAnswer) return { status: send(req, res, healthAnswer), role: null };
    // An open server on loopback answers only to loopback names: a web page cannot reach it by rebinding DNS.
    if (!auth.required && !isLoopback(hostName(req.headers.host ?? ''))) throw new HttpError(403, 'this server runs without a token and only answers requests addressed to localhost');
    const role = auth.roleOf(req.headers.authorization);
    if (auth.required && role === undefined) throw new HttpError(401, 'this server needs a token: send Authorization: Bearer <token> (EXPTRACK_TOKEN for the CLI)');
    if (draining) throw new HttpError(503, 'the server is shutting down; retry on another instance');
    const found = router.match(method, url.pathname);
    if (found === undefined) throw new HttpError(404, `no route ${url.pathname.slice(0, 200)}`);
    if (!allows(role, found.route.access)) throw new HttpError(403, 'this token is read-only');
    const answer = await found.route.handle({ req, res, url, params: found.params, query: new Query(url.searchParams), signal });
    if (answer.stream) return { status: await sendStream(req, res, answer, answer.stream), role: role ?? null };
    return { status: send(req, res, answer), role: role ?? null };
  };

  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  const server = createServer((req, res) => {
    const started = performance.now();
    const controller = new AbortController();
    inFlight++;
    let role: string | null = null;
    const timer = setTimeout(() => {
      controller.abort();
      if (!res.headersSent) sendError(res, new HttpError(503, `the request took longer than ${requestTimeoutMs} ms`));
      res.once('finish', () => req.socket.destroy());
    }, requestTimeoutMs);
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) controller.abort();
      options.log?.({
        time: new Date().toISOString(),
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0]!.slice(0, 300),
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
        bytes: Number(res.getHeader('content-length') ?? 0),
        role,
        remote: req.socket.remoteAddress ?? null,
      });
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    handle(req, res, controller.signal)
      .then((outcome) => {
        role = outcome.role;
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) sendError(res, error);
      });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = requestTimeoutMs + 5_000;
  server.keepAliveTimeout = 5_000;

  const { port, url } = await listen(server, options.port ?? 5050, host);
  return {
    url,
    port,
    server,
    async close(drainMs = 30_000) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise((resolve) => setTimeout(resolve, drainMs).unref())]);
      }
      await ingestion.idle();
      server.closeAllConnections();
      await closed;
      await staging.close();
    },
  };
}

/** Streams an answer's bytes (an artifact download): no cache, cut short when the client goes away. */
async function sendStream(req: IncomingMessage, res: ServerResponse, answer: Answer, stream: AsyncIterable<Uint8Array>): Promise<number> {
  res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/octet-stream', 'cache-control': 'no-store', ...answer.headers });
  if (req.method === 'HEAD') {
    res.end();
    return answer.status;
  }
  await pipeline(Readable.from(stream, { objectMode: false }), res);
  return answer.status;
}

/** Writes an answer; a cacheable GET gets an ETag, and a matching If-None-Match gets 304. */
function send(req: IncomingMessage, res: ServerResponse, answer: Answer): number {
  const headers: Record<string, string | number> = { 'content-type': answer.contentType ?? 'application/json; charset=utf-8', ...answer.headers };
  if (answer.cacheable && (req.method === 'GET' || req.method === 'HEAD') && answer.status === 200) {
    const etag = `"${createHash('sha1').update(answer.body).digest('base64url')}"`;
    headers.etag = etag;
    headers['cache-control'] = 'private, no-cache';
    if (matchesEtag(req.headers['if-none-match'], etag)) {
      delete headers['content-type'];
      res.writeHead(304, headers);
      res.end();
      return 304;
    }
  } else {
    headers['cache-control'] = 'no-store';
  }
  headers['content-length'] = Buffer.byteLength(answer.body);
  res.writeHead(answer.status, headers);
  res.end(req.method === 'HEAD' ? undefined : answer.body);
  return answer.status;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*');
}
