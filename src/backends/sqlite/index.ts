/**
 * `exptrack/sqlite`: the embedded default store, one SQLite file through Kysely and better-sqlite3.
 * @module
 */
export { SqliteBackend } from './sqlite-backend.js';
export type { SqliteBackendConfig } from './sqlite-backend-config.js';
