/**
 * Talking to a model server that may misbehave: a body read up to a size cap, and redirects
 * followed only within the origin the caller named (another origin would receive the caller's
 * headers: `authorization`, `x-api-key`...).
 */
import { ModelRequestError } from '../model.js';

/** How many same-origin redirects a request follows. */
const MAX_REDIRECTS = 5;

/**
 * POSTs (or GETs) with `redirect: 'manual'`, following 301/302/303/307/308 only to the same origin
 * (307 and 308 keep the method and body, the others become a GET as fetch does).
 *
 * @throws ModelRequestError (not retryable) for a redirect to another origin, or too many redirects
 */
export async function fetchSameOrigin(doFetch: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  // The URL is parsed only when a redirect needs its origin: most requests are answered at once.
  let current: string = url;
  let request = init;
  for (let hop = 0; ; hop++) {
    const response = await doFetch(current, { ...request, redirect: 'manual' });
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    if (location === null) return response;
    await response.body?.cancel().catch(() => undefined);
    const from = new URL(current);
    const next = new URL(location, from);
    if (next.origin !== from.origin) {
      throw new ModelRequestError(`${from.origin} redirected to another origin (${next.origin}); not followed, so the request's headers stay with ${from.origin}`, {
        code: 'unavailable',
        status: response.status,
        retryable: false,
      });
    }
    if (hop >= MAX_REDIRECTS) throw new ModelRequestError(`more than ${MAX_REDIRECTS} redirects from ${from.origin}`, { code: 'unavailable', status: response.status, retryable: false });
    if (response.status !== 307 && response.status !== 308) {
      const { body: _body, ...rest } = request;
      request = { ...rest, method: 'GET' };
    }
    current = next.toString();
  }
}

/**
 * Reads a response body as text, failing once it passes `maxBytes` (an endless or huge body
 * never fills the memory): a declared `content-length` above the cap fails before reading.
 *
 * @throws ModelRequestError (not retryable) naming the cap
 */
export async function readBounded(response: Response, maxBytes: number, what: string): Promise<string> {
  const tooBig = () =>
    new ModelRequestError(`${what} is larger than ${maxBytes} bytes (maxResponseBytes); the rest was not read`, {
      code: 'backend_failed',
      status: response.status,
      retryable: false,
    });
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (response.body === null) return '';
  // A declared length within the cap bounds an uncompressed body (HTTP framing reads no more): read
  // it whole. A compressed one may inflate past its length, so it is counted as it comes.
  const encoding = response.headers.get('content-encoding');
  if (response.headers.get('content-length') !== null && Number.isFinite(declared) && (encoding === null || encoding === 'identity')) return response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
