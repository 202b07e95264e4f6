import { sql, type RawBuilder } from 'kysely';
import type { ExperimentQuery, ExperimentSelection } from '../../core/backend.js';
import { durationFrom, sortKeyOf, sortDirectionOf } from '../../core/experiment-order.js';
import { compileFilterToKysely, type SqlFilterDialect } from './compile-filter.js';

/**
 * The SQL condition on `experiments e` of a selection: status, group, ids and filter, all
 * parameterised. True when the selection is empty.
 *
 * @example
 * ```ts
 * kysely.selectFrom('experiments as e').selectAll('e').where(selectionCondition({ status: 'completed' }, 'sqlite'));
 * ```
 */
export function selectionCondition(selection: ExperimentSelection, dialect: SqlFilterDialect): RawBuilder<boolean> {
  const conditions: RawBuilder<unknown>[] = [];
  if (selection.status !== undefined) {
    const statuses = typeof selection.status === 'string' ? [selection.status] : [...selection.status];
    conditions.push(statuses.length === 0 ? sql`1 = 0` : sql`e.status in (${sql.join(statuses)})`);
  }
  if (selection.group !== undefined) conditions.push(sql`e.group_name = ${selection.group}`);
  // One parameter however many ids (SQLite refuses more than 32,766 parameters, Postgres 65,535).
  if (selection.ids !== undefined) {
    const ids = [...selection.ids];
    conditions.push(dialect === 'postgres' ? sql`e.id = any(${ids}::text[])` : sql`e.id in (select value from json_each(${JSON.stringify(ids)}))`);
  }
  if (selection.where !== undefined) conditions.push(compileFilterToKysely(selection.where, dialect, { alias: 'e' }));
  return conditions.length === 0 ? sql<boolean>`1 = 1` : sql<boolean>`(${sql.join(conditions, sql` and `)})`;
}

/**
 * The ORDER BY terms of a query's sort on `experiments e`, ties newest first then by id. `now`
 * is the end of a running experiment for `duration`.
 *
 * @example
 * ```ts
 * for (const term of sortTerms({ sort: 'name' }, 'sqlite', Date.now())) q = q.orderBy(term);
 * ```
 */
export function sortTerms(query: ExperimentQuery, dialect: SqlFilterDialect, now: number): RawBuilder<unknown>[] {
  const sort = sortKeyOf(query);
  const direction = sql.raw(sortDirectionOf(query));
  const text = (column: string) => sql.raw(dialect === 'postgres' ? `${column} collate "C"` : column);
  const newestFirst = [sql`e.created_at desc`, sql`${text('e.id')} desc`];
  switch (sort) {
    case 'created':
      return [sql`e.created_at ${direction}`, sql`${text('e.id')} ${direction}`];
    case 'name':
      // ASCII letters folded alike in both dialects (SQLite's NOCASE folds only those).
      return [dialect === 'postgres' ? sql`translate(e.name, ${UPPER}, ${LOWER}) collate "C" ${direction}` : sql`e.name collate nocase ${direction}`, ...newestFirst];
    case 'status':
      return [sql`${text('e.status')} ${direction}`, ...newestFirst];
    case 'group':
      return [sql`(e.group_name is null)`, sql`${text('e.group_name')} ${direction}`, ...newestFirst];
    case 'commit':
      return [sql`(e.git_commit is null)`, sql`${text('e.git_commit')} ${direction}`, ...newestFirst];
    case 'duration': {
      const duration = durationFrom<RawBuilder<unknown>>({
        endedAt: sql`e.ended_at`,
        nowIfRunning: sql`case when e.status = 'running' then cast(${now} as bigint) end`,
        heartbeatAt: sql`e.heartbeat_at`,
        createdAt: sql`e.created_at`,
        firstOf: (...terms) => sql`coalesce(${sql.join(terms)})`,
        minus: (a, b) => sql`(${a} - ${b})`,
      });
      return [sql`${duration} ${direction}`, ...newestFirst];
    }
  }
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
