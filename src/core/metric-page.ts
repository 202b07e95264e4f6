/**
 * The cursor and page size of `getMetricPage`, shared by the backends: a cursor is the position of
 * the last point of a page (its key, step and two integers that order points of one step, such as
 * a writer and a sequence number), written as JSON text so that it crosses HTTP unchanged.
 * @module
 */
import { invalidInput } from './errors.js';

/** The points of a page when no limit is given. */
export const DEFAULT_METRIC_PAGE = 10_000;
/** The most points a page may hold. */
export const MAX_METRIC_PAGE = 100_000;

/** The position of a point in `getMetrics` order: key, step, then two integers of logging order. */
export interface MetricCursor {
  key: string;
  step: number;
  first: number;
  second: number;
}

/**
 * The page size asked for, checked.
 *
 * @param limit - the `limit` of a page query
 * @returns the limit, {@link DEFAULT_METRIC_PAGE} when absent
 * @throws ExptrackError `invalid_input` unless an integer in 1..{@link MAX_METRIC_PAGE}
 */
export function metricPageLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_METRIC_PAGE;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_METRIC_PAGE) {
    throw invalidInput('limit', limit, `must be an integer in 1..${MAX_METRIC_PAGE}`);
  }
  return limit;
}

/** A cursor as text. */
export function encodeMetricCursor(cursor: MetricCursor): string {
  return JSON.stringify([cursor.key, cursor.step, cursor.first, cursor.second]);
}

/**
 * A cursor read back (it may come from a request: checked field by field).
 *
 * @param after - the `after` of a page query
 * @returns the cursor, or undefined for the first page
 * @throws ExptrackError `invalid_input` naming `after` when it is not a cursor
 */
export function decodeMetricCursor(after: unknown): MetricCursor | undefined {
  if (after === undefined || after === null) return undefined;
  const fail = () => invalidInput('after', after, 'must be the `next` cursor of a previous page');
  if (typeof after !== 'string' || after.length > 2000) throw fail();
  let parsed: unknown;
  try {
    parsed = JSON.parse(after);
  } catch {
    throw fail();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw fail();
  const [key, step, first, second] = parsed as unknown[];
  if (typeof key !== 'string' || ![step, first, second].every((n) => typeof n === 'number' && Number.isSafeInteger(n))) throw fail();
  return { key, step: step as number, first: first as number, second: second as number };
}
