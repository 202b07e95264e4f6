import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { artifactMigration } from './artifact-migration.js';
import { createTables } from './create-table.js';
import { outlineBlocksMigration } from './outline-blocks-migration.js';
import type { StoreDialect } from './store-dialect.js';
import { groupRecords, INITIAL_TABLES, writeSessions } from './store-schema.js';

/**
 * The schema's history, one list for both dialects, in the order the migrations apply. A migration
 * is never edited once released: a change is a new entry (a new table is `createTables(db, dialect,
 * [table])`, a dialect difference a named `StoreDialect` method).
 */
const HISTORY: ReadonlyArray<readonly [name: string, up: (db: Kysely<unknown>, dialect: StoreDialect) => Promise<void>]> = [
  ['0001_initial', (db, dialect) => createTables(db, dialect, INITIAL_TABLES)],
  // The write-session ledger, which Postgres had from the start, for every dialect: a tracking
  // server's client batches are applied once on SQLite too.
  ['0002_write_sessions', (db, dialect) => (dialect.has('writeLedger') ? Promise.resolve() : createTables(db, dialect, [{ name: writeSessions.name, columns: writeSessions.columns }]))],
  ['0003_artifacts', (db, dialect) => artifactMigration(dialect.name).up(db)],
  // The group catalog, where the MLflow-compatible API keeps its experiments.
  ['0004_group_records', (db, dialect) => createTables(db, dialect, [groupRecords])],
  // Postgres: a multi-resolution summary of each metric that outlines read (SQLite reads its
  // clustered points fast enough).
  ['0005_outline_blocks', (db, dialect) => (dialect.has('outlineBlocks') ? outlineBlocksMigration(db) : Promise.resolve())],
];

/** The name of the newest migration: a store whose newest applied migration has it is up to date. */
export const LATEST_MIGRATION = HISTORY.at(-1)![0];

/**
 * Serves the migrations of a dialect from code, so nothing is read from disk at run time.
 *
 * @example
 * ```ts
 * await new Migrator({ db: kysely, provider: migrationProvider(sqliteStoreDialect) }).migrateToLatest();
 * ```
 */
export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {};
  for (const [name, up] of HISTORY) migrations[name] = { up: (db) => up(db, dialect) };
  return { getMigrations: async () => migrations };
}
