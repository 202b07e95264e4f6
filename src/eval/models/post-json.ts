/**
 * One JSON call to a model server, shared by generation and log-likelihood requests: sent over
 * `node:http` with keep-alive sockets (or over the caller's fetch when one is given), bounded in
 * size and redirects, every failure a {@link ModelRequestError} the runner knows how to retry.
 */
import { ModelRequestError, parseRetryAfter } from '../model.js';
import { redactText, redactUrl } from '../../capture/redact-secrets.js';
import { fetchSameOrigin, readBounded } from './bounded-fetch.js';
import { postBounded, type BoundedReply } from './bounded-http.js';

/** How much of an error body is read, for the message. */
const ERROR_BODY_BYTES = 64 * 1024;

/** What {@link postJson} sends. */
export interface JsonPost {
  url: string;
  headers: Record<string, string>;
  /** The body, already JSON. */
  body: string;
  signal: AbortSignal | undefined;
  /** The largest 2xx body read. */
  maxBytes: number;
  /** The caller's fetch; without it, `node:http` / `node:https` with a keep-alive agent. */
  fetch?: typeof fetch | undefined;
}

/**
 * POSTs a JSON body and parses the JSON answer.
 *
 * @throws ModelRequestError: `unavailable` when the server cannot be reached or answers something
 * that is not JSON, the status's kind for a non-2xx answer (with `retry-after`), `backend_failed` for
 * a body past `maxBytes`; the signal's reason when it aborts
 */
export async function postJson(post: JsonPost): Promise<{ status: number; json: unknown }> {
  // Results, cache keys and messages never carry credentials a URL may hold.
  const shown = redactUrl(post.url);
  let reply: BoundedReply;
  try {
    reply = post.fetch ? await viaFetch(post, shown) : await postBounded(post.url, { ...post, errorBytes: ERROR_BODY_BYTES, what: `the response of ${shown}` });
  } catch (error) {
    if (post.signal?.aborted) throw post.signal.reason;
    if (error instanceof ModelRequestError) throw error;
    throw new ModelRequestError(`request to ${shown} failed: ${redactText((error as Error).message)}`, { code: 'unavailable', status: null, cause: error });
  }
  if (reply.status < 200 || reply.status >= 300) {
    throw ModelRequestError.fromStatus(reply.status, reply.text, parseRetryAfter(reply.header('retry-after'), reply.header('retry-after-ms')));
  }
  try {
    return { status: reply.status, json: JSON.parse(reply.text) as unknown };
  } catch (error) {
    throw new ModelRequestError(`response of ${shown} is not JSON`, { code: 'unavailable', status: reply.status, cause: error });
  }
}

/** The same call over a caller's fetch (`bounded-fetch.ts` applies the same bounds). */
async function viaFetch(post: JsonPost, shown: string): Promise<BoundedReply> {
  const response = await fetchSameOrigin(post.fetch!, post.url, { method: 'POST', headers: post.headers, body: post.body, ...(post.signal ? { signal: post.signal } : {}) });
  const text = response.ok
    ? await readBounded(response, post.maxBytes, `the response of ${shown}`)
    : await readBounded(response, ERROR_BODY_BYTES, `the error body of ${shown}`).catch(() => '');
  return { status: response.status, header: (name) => response.headers.get(name), text };
}
