/**
 * Opening the store a command reads or writes: a SQLite file, a Postgres database for a
 * `postgres://` URL, or a tracking server for an `http(s)://` URL (with `EXPTRACK_TOKEN`). Each backend's subpath is loaded only when a command opens a store of its kind.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Backend, ExperimentReader, ResponseCacheStore } from 'exptrack';
import { CliError, isExptrackError } from './errors.js';
// From core itself, not the root entry: loading `exptrack` (the tracker, capture) cost every read command its start-up.
import { wellFormedExperiment } from '../core/well-formed-experiment.js';

/** A store the CLI can read and write. */
export type CliStore = Backend & ExperimentReader & Partial<ResponseCacheStore>;

/**
 * What a command needs of the store: `read` opens it read-only (nothing is created, migrated or
 * updated); `edit` changes an existing store; `write` creates a missing one.
 */
export type StoreMode = 'read' | 'edit' | 'write';

/** The default store: `EXPTRACK_DB`, else `./exptrack.db`. */
export function defaultDatabase(): string {
  return process.env.EXPTRACK_DB || './exptrack.db';
}

/**
 * Whether a `--db` value names a Postgres database.
 *
 * @param db - the `--db` value
 * @returns true for `postgres://` and `postgresql://` URLs
 * @example
 * ```ts
 * isPostgresUrl('postgres://localhost/runs'); // true
 * ```
 */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/**
 * Where a store is, for messages: the file's absolute path, or a Postgres URL's host, database and
 * schema (never its credentials).
 *
 * @param db - the `--db` value
 * @param store - the opened store (a Postgres store knows its schema)
 * @returns e.g. `schema "runs" of postgres://db.internal:5432/ml`
 * @example
 * ```ts
 * describeStore('postgres://me:pw@db/ml?schema=runs', store); // 'schema "runs" of postgres://db/ml'
 * ```
 */
export function describeStore(db: string, store: object): string {
  if (isServerUrl(db)) return `the tracking server ${serverOrigin(db)}`;
  if (!isPostgresUrl(db)) return resolve(db);
  const schema = (store as { schema?: unknown }).schema;
  let where = 'the Postgres database';
  try {
    const url = new URL(db);
    where = `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    // An unparsable URL is not printed: it may hold a password.
  }
  return typeof schema === 'string' ? `schema "${schema}" of ${where}` : where;
}

/**
 * Whether a `--db` value names a tracking server.
 *
 * @param db - the `--db` value
 * @returns true for `http://` and `https://` URLs
 * @example
 * ```ts
 * isServerUrl('https://track.example.com'); // true
 * ```
 */
export function isServerUrl(db: string): boolean {
  return /^https?:\/\//i.test(db);
}

/** A server URL without credentials or query, for messages. */
function serverOrigin(db: string): string {
  try {
    const url = new URL(db);
    return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/$/, '');
  } catch {
    return 'at the given URL';
  }
}

interface HttpModule {
  HttpBackend: new (config: { url: string; token?: string }) => CliStore;
}

interface PostgresModule {
  PostgresBackend: new (config: { connectionString: string; storeMustExist?: boolean; readOnly?: boolean }) => CliStore;
}

/**
 * Opens the store named by `--db`. A read command never creates, migrates or updates a store: a
 * SQLite file or a Postgres schema is opened read-only, and a missing, empty or foreign file (or a Postgres database
 * without exptrack tables) fails with a message saying where it looked. A `postgres://` URL loads
 * `exptrack/postgres` (and its driver) on demand.
 *
 * @param db - a file path, a `postgres://` URL or an `http(s)://` tracking server
 * @param mode - `read` (read-only), `edit` (the store must exist) or `write` (a missing one is created)
 * @param env - the environment: `EXPTRACK_TOKEN` is the token of a tracking server
 * @returns the opened store; close it when done
 * @throws CliError naming the store and what to do when it is missing, corrupt, not an exptrack
 * store, or its backend is not available
 * @example
 * ```ts
 * const store = await openStore('./exptrack.db', 'read');
 * try { console.log(await store.getStats()); } finally { await store.close(); }
 * ```
 */
export async function openStore(db: string, mode: StoreMode, env: Readonly<Record<string, string | undefined>> = process.env): Promise<CliStore> {
  let store: CliStore;
  if (isServerUrl(db)) {
    const { HttpBackend } = (await import('exptrack/http')) as HttpModule;
    store = new HttpBackend({ url: db, ...(env.EXPTRACK_TOKEN ? { token: env.EXPTRACK_TOKEN } : {}) });
  } else if (isPostgresUrl(db)) {
    const module = (await importOptional('exptrack/postgres', 'the Postgres backend')) as PostgresModule;
    store = new module.PostgresBackend({ connectionString: db, storeMustExist: mode !== 'write', readOnly: mode === 'read' });
  } else {
    const path = resolve(db);
    if (mode !== 'write' && !existsSync(path)) {
      throw new CliError(`no exptrack store at ${path}: pass --db PATH or set EXPTRACK_DB (a read command does not create one)`);
    }
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new CliError(`${path} is a directory, not an exptrack store: pass --db FILE (for example --db ${join(path, 'exptrack.db')})`);
    }
    const { SqliteBackend } = await import('exptrack/sqlite');
    store = new SqliteBackend({ path, fileMustExist: mode !== 'write', readOnly: mode === 'read' });
  }
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw storeOpenError(db, error);
  }
  return readingWellFormed(store);
}

/**
 * The store, its experiments read through `wellFormedExperiment`: whatever a record holds (written
 * by another version, by hand, by a bug), every command and the dashboard get well-typed fields.
 */
function readingWellFormed(store: CliStore): CliStore {
  const getExperiment = store.getExperiment.bind(store);
  const getAllExperiments = store.getAllExperiments.bind(store);
  store.getExperiment = async (id) => {
    const found = await getExperiment(id);
    return found === undefined ? undefined : wellFormedExperiment(found);
  };
  store.getAllExperiments = async (query) => (await getAllExperiments(query)).map(wellFormedExperiment);
  return store;
}

/** Turns a failure to open a store into a one-line message naming the store. */
function storeOpenError(db: string, error: unknown): unknown {
  if (!isExptrackError(error)) return error;
  const where = isServerUrl(db) ? `the tracking server ${serverOrigin(db)}` : isPostgresUrl(db) ? 'the Postgres database' : resolve(db);
  switch (error.code) {
    case 'corrupt_store':
      return new CliError(`${where} is corrupt or not a database; it was left untouched (restore it from a backup or pass another --db)`);
    case 'not_an_exptrack_store':
      return new CliError(`${where} is not an exptrack store${error.message.includes('empty file') ? ' (an empty file)' : ''}; it was left untouched (pass the right --db)`);
    case 'not_found':
      return new CliError(isPostgresUrl(db) ? `${error.message}: pass another --db` : `no exptrack store at ${where}: pass --db PATH or set EXPTRACK_DB`);
    case 'locked':
      return new CliError(`${where} is locked by another process; try again in a moment`);
    case 'unavailable':
      return new CliError(`cannot open ${where}: ${error.message}`);
    default:
      return error;
  }
}

/**
 * Imports an optional subpath of exptrack, with a one-line error when this build lacks it.
 *
 * @param specifier - e.g. `exptrack/postgres`
 * @param what - what it provides, for the message
 * @returns the module
 * @throws CliError when the subpath (or its optional dependency) is not installed
 * @example
 * ```ts
 * const { syncExperimentsToWandb } = await importOptional('exptrack/wandb', 'the W&B sync');
 * ```
 */
export async function importOptional(specifier: string, what: string): Promise<unknown> {
  try {
    // A computed specifier: the bundler leaves it alone, and nothing loads before a command needs it.
    return await import(/* @vite-ignore */ specifier);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CliError(`${what} is not available: ${specifier} could not be loaded (${(error as Error).message.split('\n')[0]})`);
    }
    throw error;
  }
}
