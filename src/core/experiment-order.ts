import type { ExperimentQuery, ExperimentSortKey } from './backend.js';
import { invalidInput } from './errors.js';
import type { Experiment } from './types.js';

const SORT_KEYS: readonly ExperimentSortKey[] = ['created', 'name', 'status', 'group', 'duration', 'commit'];

/**
 * The sort column of a query, checked.
 *
 * @throws ExptrackError `invalid_input` for an unknown column
 * @example
 * ```ts
 * sortKeyOf({}); // 'created'
 * ```
 */
export function sortKeyOf(query: ExperimentQuery): ExperimentSortKey {
  const sort = query.sort ?? 'created';
  if (!SORT_KEYS.includes(sort)) throw invalidInput('sort', sort, `must be one of ${SORT_KEYS.join(', ')}`);
  return sort;
}

/**
 * The direction of a query's sort: descending (newest first) for `created`, else ascending, unless given.
 *
 * @throws ExptrackError `invalid_input` for a direction other than asc or desc
 * @example
 * ```ts
 * sortDirectionOf({ sort: 'name' }); // 'asc'
 * ```
 */
export function sortDirectionOf(query: ExperimentQuery): 'asc' | 'desc' {
  const direction = query.direction ?? (sortKeyOf(query) === 'created' ? 'desc' : 'asc');
  if (direction !== 'asc' && direction !== 'desc') throw invalidInput('direction', direction, 'must be asc or desc');
  return direction;
}

/**
 * The parts a duration is made of, in some language: numbers in JavaScript (`experimentDuration`),
 * expressions in SQL (the stores' `duration` sort). `nowIfRunning` is the present for a running
 * run and nothing (null) otherwise; `firstOf` takes the first term that is not null.
 *
 * @example
 * ```ts
 * import { durationFrom, type DurationTerms } from 'exptrack/analysis';
 * const terms: DurationTerms<number | null> = { endedAt: null, nowIfRunning: 9, heartbeatAt: 5, createdAt: 1, firstOf: (...t) => t.find((x) => x !== null) ?? null, minus: (a, b) => a! - b! };
 * durationFrom(terms); // 8
 * ```
 */
export interface DurationTerms<T> {
  endedAt: T;
  nowIfRunning: T;
  heartbeatAt: T;
  createdAt: T;
  firstOf(...terms: T[]): T;
  minus(a: T, b: T): T;
}

/**
 * The one definition of how long an experiment ran: its end minus its start, where the end is
 * when it ended, else now for a running run, else its last heartbeat (it ended without saying
 * when), else its start.
 *
 * @example
 * ```ts
 * import { durationFrom } from 'exptrack/analysis';
 * durationFrom(terms); // see DurationTerms
 * ```
 */
export function durationFrom<T>(t: DurationTerms<T>): T {
  return t.minus(t.firstOf(t.endedAt, t.nowIfRunning, t.heartbeatAt, t.createdAt), t.createdAt);
}

/**
 * How long an experiment ran, in milliseconds (see {@link durationFrom}); a running one up to `now`.
 *
 * @example
 * ```ts
 * import { experimentDuration } from 'exptrack/analysis';
 * experimentDuration(run, Date.now()); // 61234
 * ```
 */
export function experimentDuration(e: Experiment, now: number): number {
  return durationFrom<number | null>({
    endedAt: e.endedAt,
    nowIfRunning: e.status === 'running' ? now : null,
    heartbeatAt: e.heartbeatAt,
    createdAt: e.createdAt,
    firstOf: (...terms) => terms.find((term) => term !== null) ?? null,
    minus: (a, b) => a! - b!,
  })!;
}

/**
 * The order of a query's sort as a comparator, as the SQL stores sort: ASCII case folded for
 * `name`, missing groups and commits last in either direction, ties newest first then by id.
 *
 * @example
 * ```ts
 * experiments.sort(experimentComparator({ sort: 'duration', direction: 'desc' }, Date.now()));
 * ```
 */
export function experimentComparator(query: ExperimentQuery, now: number): (a: Experiment, b: Experiment) => number {
  const sort = sortKeyOf(query);
  const sign = sortDirectionOf(query) === 'asc' ? 1 : -1;
  const newestFirst = (a: Experiment, b: Experiment) => b.createdAt - a.createdAt || compareText(b.id, a.id);
  if (sort === 'created') return (a, b) => sign * (a.createdAt - b.createdAt || compareText(a.id, b.id));
  const key: (e: Experiment) => string | number | null = {
    name: (e: Experiment) => foldAscii(e.name),
    status: (e: Experiment) => e.status,
    group: (e: Experiment) => e.group,
    duration: (e: Experiment) => experimentDuration(e, now),
    commit: (e: Experiment) => e.git?.commit ?? null,
  }[sort];
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === null || y === null) return x === y ? newestFirst(a, b) : x === null ? 1 : -1;
    return sign * (typeof x === 'number' ? x - (y as number) : compareText(x, y as string)) || newestFirst(a, b);
  };
}

/** Code-unit order, as SQL's BINARY collation sorts text. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
