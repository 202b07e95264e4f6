/// <reference lib="dom" />
/**
 * Calls of the dashboard's JSON API from the page. A failed call throws an {@link ApiError} with the
 * server's message (and the column of a filter error).
 * @module
 */

/** A failed API call. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /**
   * @param status - the HTTP status
   * @param message - the server's message
   * @param body - the server's whole answer
   */
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * GETs an API path with query parameters (undefined and empty ones left out).
 *
 * @param path - e.g. `/api/experiments`
 * @param params - the query
 * @param signal - aborts the call
 * @returns the parsed answer
 * @throws ApiError for any status but 200
 * @example
 * ```ts
 * const page = await api<ExperimentsPage>('/api/experiments', { filter: 'status = "completed"' });
 * ```
 */
export async function api<T>(path: string, params: Record<string, string | number | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const qs = search.toString();
  const res = await fetch(qs === '' ? path : `${path}?${qs}`, { credentials: 'same-origin', ...(signal ? { signal } : {}) });
  return answer<T>(res);
}

/**
 * POSTs JSON to an API path.
 *
 * @param path - e.g. `/api/experiments/exp_1/tags`
 * @param body - the JSON body
 * @returns the parsed answer
 * @throws ApiError for any status but 200
 * @example
 * ```ts
 * await post('/api/experiments/exp_1/notes', { notes: 'baseline' });
 * ```
 */
export async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return answer<T>(res);
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ApiError(res.status, `the server answered ${res.status} with something other than JSON`, {});
  }
  if (!res.ok) throw new ApiError(res.status, typeof body.error === 'string' ? body.error : `HTTP ${res.status}`, body);
  return body as T;
}
