/**
 * MLflow's `order_by` of searches: `metrics.loss ASC`, `attributes.start_time DESC`, `params.lr`,
 * `name`. Missing values sort last in either direction, as in MLflow; ties fall back to the
 * endpoint's default order.
 * @module
 */
import { invalidValue } from './mlflow-error.js';
import type { EntityLookup, EntityType } from './search-filter.js';
import { parseSearchFilter } from './search-filter.js';

/** One sort term. */
export interface OrderTerm {
  type: EntityType;
  key: string;
  ascending: boolean;
}

/**
 * Parses `order_by` terms.
 *
 * @throws MlflowError `INVALID_PARAMETER_VALUE` for a term that does not read
 */
export function parseOrderBy(terms: readonly string[]): OrderTerm[] {
  return terms.map((term) => {
    const found = /^(.*?)(?:\s+(ASC|DESC))?\s*$/is.exec(term.trim());
    const entity = found?.[1] ?? '';
    if (entity === '') throw invalidValue(`Invalid order_by clause '${term.slice(0, 200)}'`);
    // The entity grammar is the filter's: parse it as a clause with a dummy comparison.
    const [clause] = parseSearchFilter(`${entity} IS NULL`);
    return { type: clause!.type, key: clause!.key, ascending: (found?.[2] ?? 'ASC').toUpperCase() === 'ASC' };
  });
}

/**
 * A comparator of entities by the terms, then by `fallback`.
 *
 * @param terms - the parsed terms
 * @param lookup - reads an entity's value
 * @param fallback - the endpoint's default order
 */
export function orderComparator<T>(terms: readonly OrderTerm[], lookup: (item: T) => EntityLookup, fallback: (a: T, b: T) => number): (a: T, b: T) => number {
  return (a, b) => {
    const readA = lookup(a);
    const readB = lookup(b);
    for (const term of terms) {
      const x = readA(term.type, term.key);
      const y = readB(term.type, term.key);
      if (x === undefined && y === undefined) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const order = typeof x === 'number' && typeof y === 'number' ? numberOrder(x, y) : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
      if (order !== 0) return term.ascending ? order : -order;
    }
    return fallback(a, b);
  };
}

function numberOrder(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? 0 : Number.isNaN(x) ? 1 : -1;
  return x - y;
}
