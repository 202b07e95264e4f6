/// <reference lib="dom" />
/**
 * Hash routes of the dashboard: `#/` experiments, `#/e/<id>`, `#/compare/<id>,<id>`, `#/leaderboard`,
 * `#/sweeps`, `#/sweeps/<id>`,
 * each with its state in a query after `?`, so a view can be bookmarked and reloaded.
 * @module
 */

/** A parsed route. */
export interface Route {
  /** `experiments`, `experiment`, `compare`, `leaderboard`, `sweeps` or `sweep`. */
  page: string;
  /** The path argument: an id, or comma-separated ids. */
  arg: string;
  params: URLSearchParams;
}

/**
 * Parses `location.hash`.
 *
 * @param hash - e.g. `#/e/exp_1?x=1`
 * @returns the route
 * @example
 * ```ts
 * parseRoute('#/compare/a,b').arg; // 'a,b'
 * ```
 */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const path = q < 0 ? text : text.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  const [head = '', ...rest] = path.split('/');
  let arg = rest.join('/');
  try {
    arg = decodeURIComponent(arg);
  } catch {
    // Keep the raw text: the page will say it found nothing.
  }
  const page = head === 'e' ? 'experiment' : head === 'compare' ? 'compare' : head === 'leaderboard' ? 'leaderboard' : head === 'sweeps' ? (arg === '' ? 'sweeps' : 'sweep') : 'experiments';
  return { page, arg, params };
}

/**
 * A hash link.
 *
 * @param page - `e`, `compare`, `leaderboard` or `` for experiments
 * @param arg - the path argument
 * @param params - the query (empty values left out)
 * @returns `#/e/exp_1?…`
 * @example
 * ```ts
 * link('e', 'exp_1'); // '#/e/exp_1'
 * ```
 */
export function link(page: string, arg = '', params: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const qs = search.toString();
  return `#/${page}${arg === '' ? '' : `/${encodeURIComponent(arg).replace(/%2C/g, ',')}`}${qs === '' ? '' : `?${qs}`}`;
}
