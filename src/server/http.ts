/**
 * HTTP plumbing of the tracking server and the dashboard: an error type carrying a status, JSON
 * answers, request bodies with a size cap, strict parsers of query parameters (a malformed one is a
 * 400, never a crash), and what counts as a loopback address.
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExptrackError } from 'exptrack';

/**
 * A failure with the HTTP status it answers with and a message for the page.
 *
 * @example
 * ```ts
 * throw new HttpError(400, 'limit must be an integer between 1 and 1000');
 * ```
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  /** The HTTP status: 400, 401, 403, 404, 405, 413, 415. */
  readonly status: number;
  /** Extra fields of the JSON answer (the column of a filter error). */
  readonly details: Record<string, unknown> | undefined;

  /**
   * @param status - the HTTP status
   * @param message - what was wrong, for the user
   * @param details - extra fields of the JSON answer
   */
  constructor(status: number, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.details = details;
  }
}

/**
 * Writes a JSON answer. Numbers that JSON cannot hold (NaN, ±Infinity) become null.
 *
 * @param res - the response
 * @param status - the HTTP status
 * @param body - any JSON-serialisable value
 * @example
 * ```ts
 * sendJson(res, 200, { experiments: [] });
 * ```
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Reads a JSON request body of at most `limit` bytes.
 *
 * @param req - the request
 * @param limit - the most bytes accepted
 * @returns the parsed body
 * @throws HttpError 415 unless the body is `application/json`, 413 when too large, 400 when not JSON
 * @example
 * ```ts
 * const body = await readJsonBody(req, 64 * 1024);
 * ```
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readJsonText(req, limit);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

/**
 * Reads the text of a JSON request body of at most `limit` bytes, without parsing it.
 *
 * @param req - the request
 * @param limit - the most bytes accepted; a larger body is refused as soon as it is seen
 * @returns the body as UTF-8 text
 * @throws HttpError 415 unless the body is `application/json`, 413 when too large
 * @example
 * ```ts
 * const text = await readJsonText(req, 32 * 1024 * 1024);
 * ```
 */
export async function readJsonText(req: IncomingMessage, limit: number): Promise<string> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'send the body as application/json');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Typed access to a URL's query parameters; every getter throws a 400 naming the parameter.
 *
 * @example
 * ```ts
 * const q = new Query(new URL('http://x/?limit=5').searchParams);
 * q.integer('limit', { min: 1, max: 1000, default: 100 }); // 5
 * ```
 */
export class Query {
  constructor(private readonly params: URLSearchParams) {}

  /**
   * A text parameter.
   * @param name - the parameter
   * @param maxLength - the longest value accepted
   * @returns the value, or undefined when absent
   * @throws HttpError 400 when repeated or too long
   */
  string(name: string, maxLength = 2000): string | undefined {
    const all = this.params.getAll(name);
    if (all.length === 0) return undefined;
    if (all.length > 1) throw new HttpError(400, `query parameter ${name} is given ${all.length} times; give it once`);
    const value = all[0] as string;
    if (value.length > maxLength) throw new HttpError(400, `query parameter ${name} is longer than ${maxLength} characters`);
    return value;
  }

  /**
   * A required text parameter.
   * @param name - the parameter
   * @returns the value
   * @throws HttpError 400 when absent or empty
   */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw new HttpError(400, `query parameter ${name} is required`);
    return value;
  }

  /**
   * An integer parameter.
   * @param name - the parameter
   * @param range - bounds and default
   * @returns the value
   * @throws HttpError 400 when not an integer in range
   */
  integer(name: string, range: { min: number; max: number; default: number }): number {
    const text = this.string(name, 32);
    if (text === undefined || text === '') return range.default;
    const n = Number(text);
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < range.min || n > range.max) {
      throw new HttpError(400, `query parameter ${name} must be an integer between ${range.min} and ${range.max}, not "${text}"`);
    }
    return n;
  }

  /**
   * A finite number parameter.
   * @param name - the parameter
   * @param range - bounds (inclusive) and default
   * @returns the value, or the default (which may be undefined) when absent
   * @throws HttpError 400 when not a finite number in range
   */
  number<D extends number | undefined>(name: string, range: { min?: number; max?: number; default: D }): number | D {
    const text = this.string(name, 64);
    if (text === undefined || text === '') return range.default;
    const n = Number(text);
    const min = range.min ?? -Number.MAX_VALUE;
    const max = range.max ?? Number.MAX_VALUE;
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new HttpError(400, `query parameter ${name} must be a number${range.min === undefined ? '' : ` >= ${min}`}${range.max === undefined ? '' : ` <= ${max}`}, not "${text}"`);
    }
    return n;
  }

  /**
   * One of a fixed set of values.
   * @param name - the parameter
   * @param choices - the values accepted
   * @param fallback - the value when absent
   * @returns the value
   * @throws HttpError 400 for any other value
   */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const text = this.string(name, 100);
    if (text === undefined || text === '') return fallback;
    if (!(choices as readonly string[]).includes(text)) throw new HttpError(400, `query parameter ${name} must be one of ${choices.join(', ')}, not "${text}"`);
    return text as T;
  }

  /**
   * A comma-separated list.
   * @param name - the parameter
   * @param limits - how many items, at least and at most
   * @returns the items (empty ones dropped)
   * @throws HttpError 400 when the count is out of range
   */
  list(name: string, limits: { min: number; max: number }): string[] {
    const items = (this.string(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (items.length < limits.min || items.length > limits.max) {
      throw new HttpError(400, `query parameter ${name} must list between ${limits.min} and ${limits.max} comma-separated values`);
    }
    return items;
  }
}

/**
 * Whether an address is the local machine only.
 *
 * @param host - a host name or IP address
 * @returns true for localhost, 127.0.0.0/8 and ::1
 * @example
 * ```ts
 * isLoopback('127.0.0.1'); // true
 * isLoopback('0.0.0.0'); // false
 * ```
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * The host name of a `Host` header, without the port.
 *
 * @param hostHeader - the header
 * @returns the name (`[::1]` keeps its brackets), or '' when malformed
 * @example
 * ```ts
 * hostName('localhost:5050'); // 'localhost'
 * ```
 */
export function hostName(hostHeader: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(hostHeader.trim());
  return m?.[1] ?? '';
}

/**
 * Answers a failed request: an {@link HttpError} with its status, an exptrack error with the status
 * of its code (400 bad input, 404, 409, 429 and 503 with `Retry-After`, else 500) and its code and
 * field, anything else with 500. A response already under way is cut instead.
 *
 * @param res - the response
 * @param error - what went wrong
 * @example
 * ```ts
 * handler(req, res).catch((error: unknown) => sendError(res, error));
 * ```
 */
export function sendError(res: ServerResponse, error: unknown): void {
  let status = 500;
  let body: Record<string, unknown>;
  if (error instanceof HttpError) {
    status = error.status;
    body = { error: error.message, ...error.details };
  } else if (ExptrackError.is(error)) {
    status = statusOfCode(error.code);
    body = { error: error.message, code: error.code, ...(error.field === undefined ? {} : { field: error.field }) };
  } else {
    body = { error: `internal error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="exptrack"');
  if (status === 429 || status === 503) res.setHeader('retry-after', '1');
  sendJson(res, status, body);
}

function statusOfCode(code: string): number {
  switch (code) {
    case 'invalid_input':
    case 'parse_error':
    case 'insufficient_data':
      return 400;
    case 'not_found':
      return 404;
    case 'already_exists':
      return 409;
    case 'rate_limited':
      return 429;
    case 'locked':
    case 'unavailable':
    case 'timeout':
      return 503;
    default:
      return 500;
  }
}

/**
 * Makes a server answer a malformed request with 400 instead of an error event, listens, and
 * resolves with the base URL once it does.
 *
 * @param server - a `node:http` server
 * @param port - the port; 0 picks a free one
 * @param host - the address
 * @returns the port bound and the URL to reach it (`0.0.0.0` shown as `127.0.0.1`)
 * @throws Error when the port is taken
 * @example
 * ```ts
 * const { url } = await listen(createServer(handler), 0, '127.0.0.1');
 * ```
 */
export async function listen(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { port: bound, url: `http://${shownHost}:${bound}` };
}

/**
 * The URL of a request, for its path and query.
 *
 * @param req - the request
 * @returns the parsed URL (on a placeholder origin)
 * @throws HttpError 400 when the target is not a path or is malformed
 * @example
 * ```ts
 * const { pathname, searchParams } = requestUrl(req);
 * ```
 */
export function requestUrl(req: IncomingMessage): URL {
  const raw = req.url ?? '/';
  if (!raw.startsWith('/')) throw new HttpError(400, 'the request target must be a path');
  try {
    return new URL(raw, 'http://exptrack.invalid');
  } catch {
    throw new HttpError(400, 'malformed request URL');
  }
}
