import { ExptrackError } from '../../core/errors.js';
import type { FilterExpression } from '../../core/filter.js';
import { parseFilter } from './parse-filter.js';

/**
 * What {@link safeParseFilter} returns: the tree, or the `parse_error` that {@link parseFilter} would throw.
 *
 * @example
 * ```ts
 * import { safeParseFilter, type SafeParseFilterResult } from 'exptrack/analysis';
 * const r: SafeParseFilterResult = safeParseFilter('status = "completed"');
 * if (r.success) r.filter;
 * ```
 */
export type SafeParseFilterResult = { success: true; filter: FilterExpression } | { success: false; error: ExptrackError };

/**
 * {@link parseFilter} that returns its failure instead of throwing it: for a CLI or a search box
 * that shows the error next to the input.
 *
 * @param text - The filter text.
 * @returns `{ success: true, filter }` or `{ success: false, error }` with the `parse_error`.
 *
 * @example
 * ```ts
 * import { safeParseFilter } from 'exptrack/analysis';
 * const result = safeParseFilter('params.lr < ');
 * if (!result.success) result.error.message; // 'invalid filter at column 13: expected a value ...'
 * ```
 */
export function safeParseFilter(text: string): SafeParseFilterResult {
  try {
    return { success: true, filter: parseFilter(text) };
  } catch (error) {
    if (ExptrackError.is(error)) return { success: false, error };
    throw error;
  }
}
