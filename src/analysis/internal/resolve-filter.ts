import type { FilterExpression } from '../../core/filter.js';
import { invalidInput } from '../../core/errors.js';
import { parseFilter } from '../filter/parse-filter.js';

/** A filter given as text (parsed here) or as a tree (used as is). */
export function resolveFilter(filter: string | FilterExpression | undefined): FilterExpression | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'string') return filter.trim() === '' ? undefined : parseFilter(filter);
  if (typeof filter === 'object' && filter !== null && typeof (filter as { kind?: unknown }).kind === 'string') return filter;
  throw invalidInput('filter', filter, 'must be filter text or a parsed filter');
}
