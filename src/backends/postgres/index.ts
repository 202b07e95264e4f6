/**
 * `exptrack/postgres`: a store on a PostgreSQL server, through Kysely and `pg` (an optional peer
 * dependency that only this subpath loads). Same tables, migrations and read API as
 * `exptrack/sqlite`; several processes and machines may write at once.
 *
 * @example
 * ```ts
 * import { PostgresBackend } from 'exptrack/postgres';
 * const store = new PostgresBackend({ connectionString: 'postgres://postgres@127.0.0.1:5432/ml' });
 * ```
 * @module
 */
export { PostgresBackend } from './postgres-backend.js';
export type { PostgresBackendConfig, PostgresArtifactConfig } from './postgres-backend-config.js';
export type { S3ArtifactConfig } from '../../artifacts/s3-blob-store.js';
