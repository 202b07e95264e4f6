/**
 * The dashboard's HTTP server, on `node:http`: the JSON API of {@link DashboardApi}, the built
 * front end, and the safety rules: loopback by default, a token for any other address, read-only
 * unless edits are allowed, a strict Content-Security-Policy, and a 400 (never a crash) for a
 * malformed request. Importing this module starts nothing.
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DashboardApi, type DashboardStore } from './api.js';
import { findAssetsDir, loadAssets, type Asset } from './assets.js';
import { HttpError, Query, hostName, isLoopback, listen, requestUrl, readJsonBody, sendError, sendJson } from '../server/http.js';

export { isLoopback };

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** An opened, readable store (SQLite, Postgres, memory). The dashboard does not close it. */
  store: DashboardStore;
  /** The address to bind. @defaultValue '127.0.0.1' */
  host?: string;
  /** The port; 0 picks a free one. @defaultValue 4800 */
  port?: number;
  /**
   * The token requests must carry (`Authorization: Bearer`, the `exptrack_token` cookie, or
   * `?token=` once, which sets the cookie). Required for a non-loopback host: one is generated when
   * none is given.
   */
  token?: string;
  /** Allow editing tags and notes from the page. @defaultValue false */
  allowEdit?: boolean;
  /** The built front end. @defaultValue the `dist/ui/` next to this module */
  assetsDir?: string;
  /** The version shown by `/api/info`. */
  version?: string;
}

/** A running dashboard. */
export interface DashboardServer {
  /** The URL to open (with `?token=` when a token is required). */
  readonly url: string;
  /** The port bound. */
  readonly port: number;
  /** The token requests need, or null on loopback without one. */
  readonly token: string | null;
  /** The underlying server. */
  readonly server: Server;
  /** Stops accepting requests and closes open connections. The store stays open. */
  close(): Promise<void>;
}

const COOKIE = 'exptrack_token';
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Starts the dashboard and resolves once it listens.
 *
 * @param options - the store, address, token and edit permission
 * @returns the running server; `close()` it when done
 * @throws Error when the front end is not built or the port is taken
 * @example
 * ```ts
 * import { SqliteBackend } from 'exptrack/sqlite';
 * const store = new SqliteBackend({ path: 'exptrack.db' });
 * await store.init();
 * const ui = await startDashboard({ store, port: 0 });
 * console.log(ui.url);
 * ```
 */
export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  if (options.token !== undefined && options.token.length < 8) throw new Error('the token must be at least 8 characters');
  const token = options.token ?? (loopback ? null : randomBytes(24).toString('base64url'));
  const assets = loadAssets(options.assetsDir ?? findAssetsDir());
  const api = new DashboardApi(options.store, { allowEdit: options.allowEdit === true, ...(options.version === undefined ? {} : { version: options.version }) });
  const handler = makeHandler({ api, assets, token, loopback });
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => sendError(res, error));
  });
  server.keepAliveTimeout = 5000;
  const bound = await listen(server, options.port ?? 4800, host);
  const port = bound.port;
  const url = `${bound.url}/${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  return {
    url,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface HandlerContext {
  api: DashboardApi;
  assets: Map<string, Asset>;
  token: string | null;
  loopback: boolean;
}

function makeHandler({ api, assets, token, loopback }: HandlerContext): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const expected = token === null ? null : Buffer.from(token);
  const tokenMatches = (given: string | undefined) => {
    if (expected === null) return true;
    if (given === undefined) return false;
    const b = Buffer.from(given);
    return b.length === expected.length && timingSafeEqual(b, expected);
  };

  return async (req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = requestUrl(req);
    // A loopback server answers only to loopback names: a page of another site cannot reach it by rebinding DNS.
    if (loopback && !isLoopback(hostName(req.headers.host ?? ''))) throw new HttpError(403, 'this dashboard only answers requests addressed to localhost');

    if (expected !== null) {
      const queryToken = url.searchParams.get('token') ?? undefined;
      if (queryToken !== undefined && req.method === 'GET' && !url.pathname.startsWith('/api/') && tokenMatches(queryToken)) {
        // Trade the token in the address for a cookie, and drop it from the address bar.
        url.searchParams.delete('token');
        res.writeHead(302, {
          'set-cookie': `${COOKIE}=${encodeURIComponent(queryToken)}; HttpOnly; SameSite=Strict; Path=/`,
          // A path of this server only: `//evil.example` or `/\evil.example` would send the browser to another host.
          location: `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`,
        });
        res.end();
        return;
      }
      const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!tokenMatches(bearer ?? readCookie(req.headers.cookie, COOKIE) ?? queryToken)) {
        throw new HttpError(401, 'this dashboard needs its token: open the URL exptrack ui printed (with ?token=...) or send Authorization: Bearer <token>');
      }
    }

    if (url.pathname.startsWith('/api/')) {
      const answer = await routeApi(api, req, url);
      sendJson(res, 200, answer);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed here`);
    const name = url.pathname === '/' ? 'index.html' : url.pathname.startsWith('/assets/') ? url.pathname.slice('/assets/'.length) : undefined;
    const asset = name === undefined ? undefined : assets.get(name);
    if (asset === undefined) throw new HttpError(404, 'not found');
    res.writeHead(200, {
      'content-type': asset.contentType,
      'content-length': asset.body.length,
      'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=300',
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };
}

async function routeApi(api: DashboardApi, req: IncomingMessage, url: URL): Promise<unknown> {
  const parts = url.pathname.slice('/api/'.length).split('/').map(decodeSegment);
  const q = new Query(url.searchParams);
  const method = req.method ?? 'GET';
  const get = (fn: () => Promise<unknown>) => {
    if (method !== 'GET') throw new HttpError(405, `use GET for ${url.pathname}`);
    return fn();
  };
  const [first, second, third, ...rest] = parts;
  if (rest.length > 0) throw new HttpError(404, `no API route ${url.pathname}`);
  switch (first) {
    case 'info':
      if (second === undefined) return get(() => api.info());
      break;
    case 'experiments':
      if (second === undefined) return get(() => api.experiments(q));
      if (third === undefined) return get(() => api.experiment(second));
      if (third === 'metric') return get(() => api.metric(second, q));
      if (third === 'tags' || third === 'notes' || third === 'archive' || third === 'delete') {
        if (method !== 'POST') throw new HttpError(405, `use POST for ${url.pathname}`);
        checkOrigin(req);
        const body = await readJsonBody(req, 256 * 1024);
        if (third === 'tags') return api.setTags(second, body);
        if (third === 'notes') return api.setNotes(second, body);
        return third === 'archive' ? api.archive(second, body) : api.deleteRun(second, body);
      }
      break;
    case 'compare':
      if (second === undefined) return get(() => api.compare(q));
      if (second === 'samples' && third === undefined) return get(() => api.compareSamples(q));
      break;
    case 'benchmarks':
      if (second === undefined) return get(() => api.benchmarks());
      break;
    case 'leaderboard':
      if (second === undefined) return get(() => api.leaderboard(q));
      break;
    case 'sweeps':
      if (second === undefined) return get(() => api.sweeps());
      if (third === undefined) return get(() => api.sweep(second));
      break;
  }
  throw new HttpError(404, `no API route ${url.pathname}`);
}

/** A write must come from the dashboard's own page: a present Origin must name this server. */
function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'bad Origin header');
  }
  if (host !== req.headers.host) throw new HttpError(403, 'cross-origin writes are refused');
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in "${segment.slice(0, 100)}"`);
  }
}


function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
