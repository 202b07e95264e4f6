import { existsSync, readFileSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { ExptrackError } from '../../core/errors.js';
import { APPLICATION_ID, checkFileHeader, storeError } from './open-database.js';
import type { SqliteConnection } from './sqlite-driver.js';

type ReadOnlyConstructor = new (source: string | Buffer, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }) => SqliteConnection;

/** A store opened for reading, and how to let it go. */
export interface ReadOnlyStore {
  db: SqliteConnection;
  /** Call after the connection is closed: removes the `-wal`/`-shm` files this reader made. */
  cleanUp(): void;
  /** True when the store is read from a private copy in memory (no other connection can see it). */
  inMemoryCopy: boolean;
}

/**
 * Opens an exptrack store for reading only: never creates, migrates or updates it, and works for a
 * user who may only read the file. A missing, empty or foreign file is a typed error. Runs whose
 * heartbeat stopped are shown `crashed` by the reads themselves (see `experimentsAsRead`).
 *
 * SQLite needs a `-shm` file beside a WAL store to read it: where the directory is writable and
 * none was there, SQLite creates it, and `cleanUp` removes it again (by closing the last
 * connection, which SQLite itself does only when no other process has the store open). Where the
 * directory is not writable and no writer has the store open (no `-wal`), the store is read from
 * a private copy in memory.
 */
export function openReadOnly(path: string, options: { busyTimeoutMs: number }): ReadOnlyStore {
  if (!existsSync(path)) throw new ExptrackError(`no exptrack store at ${path}`, { code: 'not_found', field: 'path', value: path });
  if (statSync(path).size === 0) {
    throw new ExptrackError(`${path} is an empty file, not an exptrack store; it was left untouched`, { code: 'not_an_exptrack_store', field: 'path', value: path });
  }
  checkFileHeader(path, true);
  const hadSidecars = existsSync(`${path}-wal`) || existsSync(`${path}-shm`);
  const Database = BetterSqlite3 as unknown as ReadOnlyConstructor;
  let db: SqliteConnection;
  let inMemoryCopy = false;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: options.busyTimeoutMs });
    try {
      checkIdentity(db, path);
    } catch (error) {
      db.close();
      if (hadSidecars || !cannotMakeSidecars(error)) throw error;
      // A read-only directory and no writer: the file alone is the whole store.
      db = new Database(withoutWalFlag(readFileSync(path)), { readonly: true });
      inMemoryCopy = true;
      checkIdentity(db, path);
    }
  } catch (cause) {
    throw storeError(path, cause);
  }
  return { db, inMemoryCopy, cleanUp: () => (hadSidecars || inMemoryCopy ? undefined : removeSidecars(path)) };
}

/** A private copy marks itself a rollback-journal database (header bytes 18 and 19), so that SQLite reads it without a `-wal`. */
function withoutWalFlag(copy: Buffer): Buffer {
  copy[18] = 1;
  copy[19] = 1;
  return copy;
}

function checkIdentity(db: SqliteConnection, path: string): void {
  if (db.pragma('application_id', { simple: true }) === APPLICATION_ID) return;
  throw new ExptrackError(`${path} is a SQLite database but not an exptrack store; it was left untouched`, { code: 'not_an_exptrack_store', field: 'path', value: path });
}

function cannotMakeSidecars(error: unknown): boolean {
  const code = (error as { code?: string })?.code ?? '';
  return code === 'SQLITE_READONLY_DIRECTORY' || code.startsWith('SQLITE_CANTOPEN');
}

/**
 * SQLite deletes a WAL store's `-wal` and `-shm` when its last connection that may write closes;
 * a read-only one never may. One short read-write connection does it, and only when it is the last.
 */
function removeSidecars(path: string): void {
  if (!existsSync(`${path}-wal`) && !existsSync(`${path}-shm`)) return;
  try {
    const Database = BetterSqlite3 as unknown as ReadOnlyConstructor;
    const db = new Database(path, { fileMustExist: true, timeout: 0 });
    try {
      db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
    } finally {
      db.close();
    }
  } catch {
    // Another process holds the store, or this user may not write the directory: the files stay, as SQLite left them.
  }
}
