import type { SqliteConnection } from './sqlite-driver.js';

/** The current time in milliseconds, as SQLite computes it once per statement. */
const NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/**
 * Makes a read-only connection see runs whose heartbeat stopped as `crashed`, ended at their last
 * heartbeat, without writing them: a temporary view named `experiments` (temporary objects live in
 * the connection's own memory, and shadow the store's table for every query of this connection).
 * Only a writer stores the marking.
 *
 * @param db - a connection opened read-only on an exptrack store
 * @param staleAfterMs - a running run whose heartbeat is older than this is shown crashed
 */
export function showStaleRunsCrashed(db: SqliteConnection, staleAfterMs: number): void {
  const stale = `(status = 'running' AND heartbeat_at < ${NOW_MS} - ${Math.trunc(staleAfterMs)})`;
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?, ?)').all('experiments', 'main') as Array<{ name: string }>).map(({ name }) => {
    if (name === 'status') return `CASE WHEN ${stale} THEN 'crashed' ELSE status END AS status`;
    if (name === 'ended_at') return `CASE WHEN ${stale} THEN heartbeat_at ELSE ended_at END AS ended_at`;
    return `"${name.replaceAll('"', '""')}"`;
  });
  db.pragma('temp_store = MEMORY'); // the view is this connection's: no temporary file, wherever it runs
  db.exec(`CREATE TEMP VIEW experiments AS SELECT ${columns.join(', ')} FROM main.experiments`);
}
