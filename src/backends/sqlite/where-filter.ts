import type { Expression, SqlBool } from 'kysely';
import type { FilterExpression } from '../../core/filter.js';
import { ExptrackError } from '../../core/errors.js';

/** Compiles a parsed filter to a parameterised WHERE condition on `experiments as e`. */
export function whereFilter(_filter: FilterExpression): Expression<SqlBool> {
  throw new ExptrackError('filters are not compiled for SQLite yet', { code: 'unsupported', backend: 'sqlite' });
}
