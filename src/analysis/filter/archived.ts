/**
 * Archived runs: a run with the tag `archived` is kept in the store but hidden by default from
 * `exptrack list`, the leaderboard and the dashboard, which show it again when asked.
 * @module
 */
import type { FilterExpression } from '../../core/filter.js';

/**
 * The tag that archives a run (its value is not read).
 *
 * @example
 * ```ts
 * import { ARCHIVED_TAG } from 'exptrack/analysis';
 * tracker.setTags({ [ARCHIVED_TAG]: '' });
 * ```
 */
export const ARCHIVED_TAG = 'archived';

/**
 * A filter that keeps what `where` keeps, archived runs left out.
 *
 * @param where - a filter, or undefined for every run
 * @returns the filter with `not exists tags.archived` added
 * @example
 * ```ts
 * import { parseFilter, withoutArchived } from 'exptrack/analysis';
 * await store.getAllExperiments({ where: withoutArchived(parseFilter('params.lr < 1e-3')) });
 * ```
 */
export function withoutArchived(where?: FilterExpression): FilterExpression {
  const live: FilterExpression = { kind: 'exists', field: { scope: 'tags', key: ARCHIVED_TAG }, negated: true };
  return where === undefined ? live : { kind: 'and', left: where, right: live };
}
