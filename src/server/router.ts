/**
 * The tracking server's router: route modules (a list of routes, each a method, a path pattern
 * with `:name` segments, the access it needs and a handler) mounted under a prefix. The exptrack
 * API is one module under `/api/v1`; another API family (an MLflow-compatible one, say) is another
 * module mounted under its own prefix, with no change to the server:
 *
 * ```ts
 * const router = new Router().mount('/api/v1', trackingRoutes(store)).mount('/api/2.0/mlflow', mlflowRoutes(store));
 * ```
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, Query } from './http.js';

/** What a caller must hold: nothing (`public`), a read token, or a read-write token. */
export type Access = 'public' | 'read' | 'write';

/** The HTTP methods routes answer. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The `:name` segments of the pattern, percent-decoded. */
  params: Record<string, string>;
  query: Query;
  /** Aborted when the request times out or the client goes away. */
  signal: AbortSignal;
}

/**
 * What a handler answers: a status and a body already encoded by its module (the exptrack API
 * uses `encodeWireJson`; another family may use plain JSON). A `cacheable` answer to a GET gets an
 * `ETag` of its body, and a matching `If-None-Match` gets 304 with no body.
 */
export interface Answer {
  status: number;
  /** Text, or bytes (a downloaded file). */
  body: string | Uint8Array;
  contentType?: string;
  cacheable?: boolean;
  headers?: Record<string, string>;
  /** Bytes streamed as the body instead of `body` (artifact downloads); never cached. */
  stream?: AsyncIterable<Uint8Array>;
}

/** One route of a module. */
export interface Route {
  method: Method;
  /**
   * `/experiments/:id/metrics`: literal segments and `:name` captures; a last segment `*name`
   * captures the rest of the path (one segment or more, joined by `/`).
   */
  path: string;
  access: Access;
  handle(ctx: RouteContext): Promise<Answer>;
}

interface CompiledRoute {
  route: Route;
  segments: string[];
}

/** A route found for a request, with its captured parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * Routes mounted under prefixes; the first match wins.
 *
 * @example
 * ```ts
 * const router = new Router().mount('/api/v1', [{ method: 'GET', path: '/ping', access: 'public', handle: async () => ({ status: 200, body: '"pong"' }) }]);
 * router.match('GET', '/api/v1/ping'); // { route, params: {} }
 * ```
 */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  /**
   * Adds a module's routes under a prefix.
   *
   * @param prefix - `''` or a path starting with `/` (no trailing `/`)
   * @param routes - the module's routes
   * @returns this router
   */
  mount(prefix: string, routes: readonly Route[]): this {
    if (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/'))) throw new Error(`a mount prefix starts with / and does not end with one: "${prefix}"`);
    for (const route of routes) this.routes.push({ route, segments: split(prefix + route.path) });
    return this;
  }

  /**
   * Finds the route of a request.
   *
   * @param method - the request method
   * @param pathname - the request path (still percent-encoded)
   * @returns the match, or undefined when no route has that path
   * @throws HttpError 405 when routes have the path but not the method, 400 for bad percent-encoding
   */
  match(method: string, pathname: string): RouteMatch | undefined {
    const parts = split(pathname);
    const allowed: string[] = [];
    for (const { route, segments } of this.routes) {
      const params = matchSegments(segments, parts);
      if (params === undefined) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) throw new HttpError(405, `${method} is not allowed on ${pathname.slice(0, 200)}; use ${[...new Set(allowed)].join(', ')}`, { allow: allowed });
    return undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  const rest = pattern.at(-1)?.startsWith('*') === true;
  if (rest ? parts.length < pattern.length : pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    if (rest && i === pattern.length - 1) {
      params[want.slice(1)] = parts.slice(i).map(decodeSegment).join('/');
      break;
    }
    const got = parts[i]!;
    if (want.startsWith(':')) params[want.slice(1)] = decodeSegment(got);
    else if (want !== got) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in "${segment.slice(0, 100)}"`);
  }
}
