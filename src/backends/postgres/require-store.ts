import { ExptrackError } from '../../core/errors.js';
import type { PgPool } from './pg-driver.js';

/**
 * Fails unless `schema` already holds an exptrack store (its migration table), without creating
 * anything: what a reader checks before it opens a database someone else may have meant for
 * something else.
 *
 * @param pool - a pool on the database
 * @param schema - the schema that should hold the store
 * @param migrationTable - the name of exptrack's migration table
 * @throws ExptrackError `not_found` when the schema or the store is not there
 */
export async function requireStore(pool: PgPool, schema: string, migrationTable: string): Promise<void> {
  const { rows } = await pool.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [`"${schema}"."${migrationTable}"`]);
  if (rows[0]?.found) return;
  throw new ExptrackError(`no exptrack store here: schema ${schema} of this Postgres database holds no exptrack tables (nothing was created)`, {
    code: 'not_found',
    field: 'schema',
    value: schema,
    backend: 'postgres',
  });
}
