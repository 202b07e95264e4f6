/**
 * The arguments of read routes, decoded from the `q` query parameter (or a POST body, when they are
 * too long for a URL) and checked: a wrong type is a 400 naming the field, never a store error.
 * @module
 */
import { decodeWireJson, invalidInput, type ExperimentQuery, type ExperimentSelection, type MetricOutlineQuery, type MetricSelector } from 'exptrack';

const STATUSES = ['running', 'completed', 'failed', 'killed', 'crashed'];
const SORTS = ['created', 'name', 'status', 'group', 'duration', 'commit'];
/** Most ids one read names. */
export const MAX_IDS = 1_000_000;
const MAX_FILTER_DEPTH = 64;

/**
 * Decodes the `q` argument text of a read route.
 *
 * @param text - the API's JSON, or undefined when absent
 * @returns the decoded object (`{}` when absent)
 * @throws ExptrackError `invalid_input` when not an object of the API's JSON
 * @example
 * ```ts
 * decodeArgs('{"limit":5}'); // { limit: 5 }
 * ```
 */
export function decodeArgs(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === '') return {};
  let value: unknown;
  try {
    value = decodeWireJson(text);
  } catch (error) {
    throw invalidInput('q', text.slice(0, 100), `is not the API's JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput('q', text.slice(0, 100), 'must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Checks an experiment selection.
 *
 * @param args - decoded arguments
 * @returns the selection, with only known fields
 * @throws ExptrackError `invalid_input` naming the field
 */
export function selectionOf(args: Record<string, unknown>): ExperimentSelection {
  const out: ExperimentSelection = {};
  const { status, group, ids, where } = args;
  if (status !== undefined) {
    const list = Array.isArray(status) ? status : [status];
    if (!list.every((s) => STATUSES.includes(s as string))) throw invalidInput('status', status, `must be one or a list of ${STATUSES.join(', ')}`);
    out.status = status as ExperimentSelection['status'];
  }
  if (group !== undefined) out.group = stringArg('group', group);
  if (ids !== undefined) out.ids = idsOf('ids', ids);
  if (where !== undefined) {
    if (typeof where !== 'object' || where === null || depth(where, 0) > MAX_FILTER_DEPTH) throw invalidInput('where', undefined, `must be a parsed filter at most ${MAX_FILTER_DEPTH} levels deep`);
    out.where = where as ExperimentSelection['where'];
  }
  return out;
}

/**
 * Checks a list query: a selection plus sort, direction, limit and offset.
 *
 * @param args - decoded arguments
 * @returns the query
 * @throws ExptrackError `invalid_input` naming the field
 */
export function queryOf(args: Record<string, unknown>): ExperimentQuery {
  const out: ExperimentQuery = selectionOf(args);
  const { sort, direction, limit, offset } = args;
  if (sort !== undefined) {
    if (!SORTS.includes(sort as string)) throw invalidInput('sort', sort, `must be one of ${SORTS.join(', ')}`);
    out.sort = sort as ExperimentQuery['sort'];
  }
  if (direction !== undefined) {
    if (direction !== 'asc' && direction !== 'desc') throw invalidInput('direction', direction, 'must be asc or desc');
    out.direction = direction;
  }
  if (limit !== undefined) out.limit = integerArg('limit', limit);
  if (offset !== undefined) out.offset = integerArg('offset', offset);
  return out;
}

/**
 * Checks a metric selector.
 *
 * @param value - the decoded `metric` argument
 * @returns the selector
 * @throws ExptrackError `invalid_input` naming the field
 */
export function metricSelectorOf(value: unknown): MetricSelector {
  if (typeof value !== 'object' || value === null) throw invalidInput('metric', value, 'must be { metric, benchmark?, value? }');
  const { metric, benchmark, value: which } = value as Record<string, unknown>;
  const out: MetricSelector = { metric: stringArg('metric.metric', metric) };
  if (benchmark !== undefined) out.benchmark = stringArg('metric.benchmark', benchmark);
  if (which !== undefined) {
    if (which !== 'last' && which !== 'min' && which !== 'max') throw invalidInput('value', which, 'must be last, min or max');
    out.value = which;
  }
  return out;
}

/**
 * Checks the window of an outline (the store checks the ranges).
 *
 * @param args - decoded arguments
 * @returns the outline query
 * @throws ExptrackError `invalid_input` naming the field
 */
export function outlineQueryOf(args: Record<string, unknown>): MetricOutlineQuery {
  const { fromStep, toStep, buckets } = args;
  const out: MetricOutlineQuery = { buckets: numberArg('buckets', buckets) };
  if (fromStep !== undefined) out.fromStep = numberArg('fromStep', fromStep);
  if (toStep !== undefined) out.toStep = numberArg('toStep', toStep);
  return out;
}

/**
 * Checks one id or a list of them.
 *
 * @param field - the argument's name, for the message
 * @param value - the decoded value
 * @returns the id or ids
 * @throws ExptrackError `invalid_input` naming the field
 */
export function idOrIdsOf(field: string, value: unknown): string | string[] {
  return typeof value === 'string' ? value : idsOf(field, value);
}

/**
 * Checks an optional text argument.
 *
 * @param field - the argument's name
 * @param value - the decoded value
 * @returns the text, or undefined when absent
 * @throws ExptrackError `invalid_input` when not a string of at most 2,000 characters
 */
export function optionalString(field: string, value: unknown): string | undefined {
  return value === undefined ? undefined : stringArg(field, value);
}

function idsOf(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length > MAX_IDS || !value.every((id) => typeof id === 'string' && id.length <= 2000)) {
    throw invalidInput(field, undefined, `must be a list of at most ${MAX_IDS} ids`);
  }
  return value as string[];
}

function stringArg(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) throw invalidInput(field, value, 'must be a string of at most 2000 characters');
  return value;
}

function integerArg(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalidInput(field, value, 'must be an integer >= 0');
  return value;
}

function numberArg(field: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidInput(field, value, 'must be a number');
  return value;
}

function depth(value: unknown, level: number): number {
  if (typeof value !== 'object' || value === null || level > MAX_FILTER_DEPTH) return level;
  let deepest = level;
  for (const inner of Object.values(value)) deepest = Math.max(deepest, depth(inner, level + 1));
  return deepest;
}
