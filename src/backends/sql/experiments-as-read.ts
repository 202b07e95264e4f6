import { sql, type AliasedRawBuilder } from 'kysely';
import { experiments } from './store-schema.js';
import type { Encoding, ExperimentsTable } from './store-tables.js';

/**
 * The `experiments` table as the shared reads see it, aliased `e`. A store that may write marks
 * runs whose heartbeat stopped as crashed before it lists them (an UPDATE), and reads the table
 * itself. A store opened only for reading must not write, so it reads the table through a
 * subquery that shows such a run `crashed`, ended at its last heartbeat, as the UPDATE would have
 * stored it: every list, count, status filter, sort and `getStats` then agrees, and nothing is
 * written; SQLite and Postgres readers share it. (A subquery rather than a temporary view named
 * like the table: in Postgres a view needs the TEMP privilege, which a locked-down reader or a hot
 * standby does not have, it is a catalog write, and it would have to be made on every pooled
 * connection.) Both databases fold the subquery into the outer query, so conditions on other
 * columns still use their indexes.
 *
 * @param staleAfterMs - show a running run whose heartbeat is older than this as crashed;
 *   undefined for a store that marks them itself (the table as it is)
 * @returns the source for `selectFrom`, or for a raw `from` clause
 *
 * @example
 * ```ts
 * await kysely.selectFrom(experimentsAsRead(20_000)).selectAll('e').execute();
 * ```
 */
export function experimentsAsRead(staleAfterMs: number | undefined): AliasedRawBuilder<ExperimentsTable<Encoding>, 'e'> {
  if (staleAfterMs === undefined) return sql<ExperimentsTable<Encoding>>`experiments`.as('e');
  // Computed per query: a run is stale relative to the moment of the read.
  const stale = sql`(status = 'running' and heartbeat_at < ${Date.now() - Math.trunc(staleAfterMs)})`;
  const columns = experiments.columns.map(({ name }) => {
    if (name === 'status') return sql`case when ${stale} then 'crashed' else status end as status`;
    if (name === 'ended_at') return sql`case when ${stale} then heartbeat_at else ended_at end as ended_at`;
    return sql.ref(name);
  });
  return sql<ExperimentsTable<Encoding>>`(select ${sql.join(columns)} from experiments)`.as('e');
}
