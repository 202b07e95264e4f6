import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { ExptrackError } from '../../core/errors.js';
import type { SqliteConnection } from './sqlite-driver.js';

/** PRAGMA application_id of an exptrack store: "EXPT" in ASCII. */
export const APPLICATION_ID = 0x45585054;
const SQLITE_HEADER = 'SQLite format 3\0';

type DatabaseConstructor = new (path: string, options?: { fileMustExist?: boolean; timeout?: number }) => SqliteConnection;

/**
 * Opens (or creates) an exptrack store: refuses a file that is not SQLite, a SQLite file that
 * belongs to another application, and a corrupt file, with typed errors. Never overwrites.
 */
export function openDatabase(path: string, options: { busyTimeoutMs: number; fileMustExist: boolean }): SqliteConnection {
  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) {
    checkFileHeader(path, options.fileMustExist);
    checkWritable(path);
  }
  const Database = loadDriver();
  let db: SqliteConnection;
  try {
    db = new Database(path, { fileMustExist: options.fileMustExist, timeout: options.busyTimeoutMs });
  } catch (cause) {
    throw storeError(path, cause);
  }
  try {
    claimIdentity(db, path); // before anything that could write to a file that is not ours
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    db.close();
    throw ExptrackError.is(cause) ? cause : storeError(path, cause);
  }
  return db;
}

function loadDriver(): DatabaseConstructor {
  return BetterSqlite3 as unknown as DatabaseConstructor;
}

export function checkFileHeader(path: string, fileMustExist: boolean): void {
  if (!existsSync(path)) {
    if (fileMustExist) throw new ExptrackError(`no exptrack store at ${path}`, { code: 'not_found', field: 'path', value: path });
    return;
  }
  if (statSync(path).size === 0) return;
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) {
    throw new ExptrackError(`${path} is not an exptrack store (not a SQLite database); it was left untouched`, { code: 'not_an_exptrack_store', field: 'path', value: path });
  }
}

/**
 * Refuses a file this user may not write before SQLite opens it: SQLite would open it read-only and,
 * where the directory lets it, leave an empty `-wal` and `-shm` beside it.
 */
function checkWritable(path: string): void {
  if (!existsSync(path)) return;
  try {
    accessSync(path, constants.W_OK);
  } catch (cause) {
    const reason = (cause as { code?: string }).code ?? (cause instanceof Error ? cause.message : String(cause));
    throw new ExptrackError(`sqlite store ${path}: this user may not write the file (${reason}); it was left untouched`, { code: 'unavailable', field: 'path', value: path, backend: 'sqlite', cause, retryable: false });
  }
}

/** Marks a new database as exptrack's, or checks that an existing one is. */
function claimIdentity(db: SqliteConnection, path: string): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId === APPLICATION_ID) return;
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
  if (applicationId !== 0 || tables.n > 0) {
    throw new ExptrackError(`${path} is a SQLite database of another application, not an exptrack store; it was left untouched`, { code: 'not_an_exptrack_store', field: 'path', value: path });
  }
  db.pragma(`application_id = ${APPLICATION_ID}`);
}

/** Maps a driver error to a typed one: busy, corrupt, not a database, or unavailable. */
export function storeError(path: string, cause: unknown): ExptrackError {
  if (ExptrackError.is(cause)) return cause;
  const code = (cause as { code?: string })?.code ?? '';
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new ExptrackError(`${path} is locked by another process: ${message}`, { code: 'locked', backend: 'sqlite', cause });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new ExptrackError(`${path} is corrupt or not a database (${message}); it was left untouched`, { code: 'corrupt_store', field: 'path', value: path, backend: 'sqlite', cause });
  }
  return new ExptrackError(`sqlite store ${path}: ${message}`, { code: 'unavailable', backend: 'sqlite', cause, retryable: false });
}
