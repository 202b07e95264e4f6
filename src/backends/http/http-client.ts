/**
 * Requests to a tracking server with `fetch`: the token, a time limit, the API's JSON, and the
 * failures sorted into those worth retrying (the network, 429, 502-504) and the others.
 * @module
 */
import { putFile } from '../../artifacts/put-file.js';
import { ExptrackError, type ExptrackErrorCode } from '../../core/errors.js';
import { decodeWireJson, encodeWireJson } from '../../core/wire-json.js';
import { uploadBody, type PendingBlob } from './blob-upload.js';

/** Read arguments longer than this go as a POST body instead of the URL. */
const MAX_QUERY_LENGTH = 6_000;

/** What the client needs to reach the server. */
export interface ClientOptions {
  url: string;
  token: string | undefined;
  fetch: typeof globalThis.fetch;
  requestTimeoutMs: number;
  /**
   * PUT files with Node's own HTTP client, streamed from disk, instead of `fetch` (which holds the
   * whole body in memory on Node 20): on Node, when no `fetch` of the caller's was given.
   */
  streamFiles?: boolean;
}

/** A failed request, with whether trying again may help and how long the server asked to wait. */
export class RequestFailure extends ExptrackError {
  constructor(
    message: string,
    code: ExptrackErrorCode,
    readonly status: number | null,
    readonly retryAfterMs: number | undefined,
    cause?: unknown,
    field?: string,
  ) {
    super(message, { code, backend: 'http', cause, field });
  }
}

/**
 * Speaks the server's API.
 *
 * @example
 * ```ts
 * const client = new HttpClient({ url: 'http://127.0.0.1:5050', token: undefined, fetch, requestTimeoutMs: 60_000 });
 * const runs = await client.read('/experiments', { limit: 10 });
 * ```
 */
export class HttpClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new ExptrackError(`url must be an http(s) URL, not ${JSON.stringify(options.url)}`, { code: 'invalid_input', field: 'url', value: options.url, backend: 'http' });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ExptrackError(`url must be an http(s) URL, not ${JSON.stringify(options.url)}`, { code: 'invalid_input', field: 'url', value: options.url, backend: 'http' });
    }
    this.base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}/api/v1`;
  }

  /** Where requests go, for messages. */
  get where(): string {
    return this.base;
  }

  /**
   * A read: GET with the arguments in `q`, or POST when they are long.
   *
   * @param path - e.g. `/experiments/exp_1/metrics`
   * @param args - the arguments, or undefined
   * @returns the decoded answer, or undefined for a 404 when `missingIsUndefined`
   */
  async read(path: string, args?: Record<string, unknown>, missingIsUndefined = false): Promise<unknown> {
    const q = args === undefined ? undefined : encodeWireJson(args);
    const long = q !== undefined && q.length > MAX_QUERY_LENGTH;
    const target = q === undefined || long ? path : `${path}?q=${encodeURIComponent(q)}`;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.send(long ? 'POST' : 'GET', target, long ? q : undefined, missingIsUndefined);
      } catch (error) {
        if (!(error instanceof RequestFailure) || !error.isRetryable || attempt >= 3) throw error;
        await sleep(error.retryAfterMs ?? 200 * attempt);
      }
    }
  }

  /**
   * One request, no retry.
   *
   * @param method - GET, POST or DELETE
   * @param path - below `/api/v1`
   * @param body - the encoded body, or undefined
   * @param missingIsUndefined - answer undefined when the server says the record does not exist
   * @returns the decoded answer
   * @throws RequestFailure
   */
  async send(method: string, path: string, body?: string, missingIsUndefined = false): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.requestTimeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(this.base + path, { method, headers, ...(body === undefined ? {} : { body }), signal: controller.signal });
      text = await response.text();
    } catch (cause) {
      throw unreachable(this.base, cause, controller.signal.aborted ? this.options.requestTimeoutMs : undefined);
    } finally {
      clearTimeout(timer);
    }
    if (response.ok) {
      try {
        return decodeWireJson(text);
      } catch (cause) {
        throw new RequestFailure(`the tracking server at ${this.base} answered ${path.split('?')[0]} with something that is not its JSON`, 'backend_failed', response.status, undefined, cause);
      }
    }
    const failure = failureOf(response.status, response.headers.get('retry-after'), text, this.base);
    // Only the store's "no such record" is an answer; a 404 of a wrong URL (no such route) is a failure.
    if (missingIsUndefined && response.status === 404 && failure.code === 'not_found' && failure.field === 'id') return undefined;
    throw failure;
  }
}

/** Upload and download time limit per MiB, on top of `requestTimeoutMs` (slow links, big artifacts). */
const MS_PER_MIB = 1_000;
/** Most digests per `POST /blobs/missing` (the server's limit). */
const MISSING_QUERY_DIGESTS = 10_000;

/**
 * Sends one blob's bytes to `PUT /blobs/:digest`, or opens a download's body.
 * Kept apart from {@link HttpClient.send}, which speaks JSON only.
 */
export class BlobTransfer {
  constructor(
    private readonly client: HttpClient,
    private readonly options: ClientOptions,
  ) {}

  /**
   * Uploads a blob: a file is streamed from disk (see `ClientOptions.streamFiles`).
   *
   * @param blob - the blob's digest, size, and its file or bytes; its size also sets the time limit
   * @throws RequestFailure; ExptrackError `not_found` (field `path`) for a file that cannot be read
   */
  async upload(blob: PendingBlob): Promise<void> {
    if ('path' in blob && this.options.streamFiles) return this.putFile(blob.digest, blob.size, blob.path);
    const body = await uploadBody(blob).catch((cause: unknown) => {
      throw cannotRead(blob, cause);
    });
    const response = await this.request('PUT', `/blobs/${blob.digest}`, blob.size, { body: body as NonNullable<RequestInit['body']>, headers: { 'content-type': 'application/octet-stream' } });
    await response.arrayBuffer();
  }

  private async putFile(digest: string, size: number, path: string): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const controller = new AbortController();
    const limit = uploadTimeLimit(this.options.requestTimeoutMs, size);
    const timer = setTimeout(() => controller.abort(), limit);
    let answer: Awaited<ReturnType<typeof putFile>>;
    try {
      answer = await putFile(`${this.client.where}/blobs/${digest}`, headers, { path }, size, controller.signal);
    } catch (cause) {
      // Reading the file failed (it is gone, or may not be read), or the network did.
      if ((cause as { path?: unknown }).path === path) throw cannotRead({ path }, cause);
      throw unreachable(this.client.where, cause, controller.signal.aborted ? limit : undefined);
    } finally {
      clearTimeout(timer);
    }
    if (answer.status < 200 || answer.status >= 300) throw failureOf(answer.status, answer.retryAfter, answer.text, this.client.where);
  }

  /**
   * Asks the server which blobs it needs (`POST /blobs/missing`): those neither uploaded nor in
   * its store's blob store.
   *
   * @param digests - the blobs a batch names
   * @returns the digests to upload; undefined from a server without the route (upload them all)
   * @throws RequestFailure
   */
  async missing(digests: readonly string[]): Promise<Set<string> | undefined> {
    const missing = new Set<string>();
    for (let at = 0; at < digests.length; at += MISSING_QUERY_DIGESTS) {
      let answer: unknown;
      try {
        answer = await this.client.send('POST', '/blobs/missing', JSON.stringify({ digests: digests.slice(at, at + MISSING_QUERY_DIGESTS) }));
      } catch (error) {
        // A server older than the route: 405 (PUT /blobs/:digest has the path), or 404.
        if (error instanceof RequestFailure && (error.status === 405 || error.status === 404)) return undefined;
        throw error;
      }
      const list = (answer as { missing?: unknown } | null)?.missing;
      if (!Array.isArray(list)) return undefined;
      for (const digest of list) if (typeof digest === 'string') missing.add(digest);
    }
    return missing;
  }

  /**
   * Opens a download (`GET`) and returns its body as chunks.
   *
   * @param path - below `/api/v1`, with its query
   * @throws RequestFailure for an answer other than 200 (`not_found` with the store's field)
   */
  async download(path: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.request('GET', path, undefined, {});
    const body = response.body;
    if (body === null) return (async function* () {})();
    return (async function* () {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    })();
  }

  private async request(method: string, path: string, size: number | undefined, init: { body?: RequestInit['body']; headers?: Record<string, string> }): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const controller = new AbortController();
    const limit = size === undefined ? this.options.requestTimeoutMs : uploadTimeLimit(this.options.requestTimeoutMs, size);
    const timer = setTimeout(() => controller.abort(), limit);
    let response: Response;
    try {
      response = await this.options.fetch(this.client.where + path, { method, headers, signal: controller.signal, ...(init.body === undefined ? {} : { body: init.body, duplex: 'half' }) } as RequestInit);
    } catch (cause) {
      clearTimeout(timer);
      throw unreachable(this.client.where, cause, controller.signal.aborted ? limit : undefined);
    }
    // An upload's limit covers its body, sent before the answer; a download's body is read after,
    // by the caller, at the pace it reads.
    clearTimeout(timer);
    if (!response.ok) throw failureOf(response.status, response.headers.get('retry-after'), await response.text().catch(() => ''), this.client.where);
    return response;
  }
}

/** An upload's time limit: the request's, and more for each MiB of its body. */
function uploadTimeLimit(requestTimeoutMs: number, size: number): number {
  return requestTimeoutMs + Math.ceil(size / 2 ** 20) * MS_PER_MIB;
}

/** A request that got no answer: the network failed, or (`timedOutAfterMs`) the time limit passed. */
function unreachable(where: string, cause: unknown, timedOutAfterMs: number | undefined): RequestFailure {
  const reason = timedOutAfterMs !== undefined ? `no answer within ${timedOutAfterMs} ms` : cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return new RequestFailure(`the tracking server at ${where} is unreachable: ${reason}`, timedOutAfterMs !== undefined ? 'timeout' : 'unavailable', null, undefined, cause);
}

function cannotRead(blob: { path: string } | { bytes: Uint8Array }, cause: unknown): ExptrackError {
  return new ExptrackError(`cannot read ${'path' in blob ? blob.path : 'an image'} to upload it: ${cause instanceof Error ? cause.message : String(cause)}`, { code: 'not_found', field: 'path', backend: 'http', cause });
}

/** The store's error codes a server's answer may carry over (a 401 or a proxy's page is `backend_failed`). */
const PASSED_ON: ReadonlySet<string> = new Set(['invalid_input', 'not_found', 'already_exists', 'parse_error', 'insufficient_data', 'unsupported', 'corrupt_store', 'backend_failed']);

function failureOf(status: number, retryAfterHeader: string | null, text: string, where: string): RequestFailure {
  let message = text.slice(0, 500);
  let code: ExptrackErrorCode | undefined;
  let field: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown; code?: unknown; field?: unknown };
    if (typeof body.error === 'string') message = body.error.slice(0, 2000);
    if (typeof body.code === 'string') code = body.code as ExptrackErrorCode;
    if (typeof body.field === 'string') field = body.field.slice(0, 300);
  } catch {
    // A proxy's page, say: keep its first characters.
  }
  const retryAfter = Number(retryAfterHeader);
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.min(retryAfter, 60) * 1000 : undefined;
  const kind: ExptrackErrorCode =
    status === 429 ? 'rate_limited'
    : status === 502 || status === 503 || status === 504 ? 'unavailable'
    : code !== undefined && PASSED_ON.has(code) ? code
    : status === 404 ? 'not_found' : status === 400 ? 'invalid_input' : 'backend_failed';
  return new RequestFailure(`${where}: ${status} ${message}`, kind, status, retryAfterMs, undefined, field);
}

/** Waits; does not keep a Node process alive on its own. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms) as unknown as { unref?: () => void };
    timer.unref?.();
  });
}
