import type { S3ArtifactConfig } from '../../artifacts/s3-blob-store.js';

/**
 * Where a Postgres store keeps the bytes of artifacts and images: an S3-compatible bucket, or
 * (without `s3`) chunked rows in the database itself.
 *
 * @example
 * ```ts
 * const artifacts: PostgresArtifactConfig = { s3: { bucket: 'ml-artifacts', endpoint: 'http://127.0.0.1:9000', credentials: { accessKeyId: 'k', secretAccessKey: 's' } } };
 * ```
 */
export interface PostgresArtifactConfig {
  /** An S3-compatible bucket (AWS, MinIO, R2, GCS interop); needs `@aws-sdk/client-s3` installed. */
  s3?: S3ArtifactConfig;
}

/**
 * Options of {@link PostgresBackend}.
 *
 * @example
 * ```ts
 * import { PostgresBackend } from 'exptrack/postgres';
 * new PostgresBackend({ connectionString: 'postgres://user@db.internal:5432/ml', schema: 'runs', max: 4 });
 * ```
 */
export interface PostgresBackendConfig {
  /**
   * Where the server is: `postgres://user:password@host:5432/database`. A `?schema=NAME` parameter
   * picks the schema (the same as `schema`), so one URL names a store everywhere: the CLI's `--db`,
   * `EXPTRACK_DB` and `exptrack ui`.
   */
  connectionString: string;
  /**
   * The Postgres schema that holds the tables; created when missing. A lowercase SQL identifier,
   * so that several teams or test runs can share one database. The connection string's
   * `?schema=` names it too; giving both with different values is an error.
   * @defaultValue `'public'`
   */
  schema?: string;
  /** The most connections the pool opens. @defaultValue 10 */
  max?: number;
  /** How long an unused connection stays open, in milliseconds. @defaultValue 10000 */
  idleTimeoutMillis?: number;
  /** How long opening a connection may take before it counts as failed, in milliseconds. @defaultValue 10000 */
  connectionTimeoutMillis?: number;
  /** TLS settings, passed to `pg` as its `ssl` option. @defaultValue none (what the connection string says) */
  ssl?: boolean | Record<string, unknown>;
  /** The `application_name` of the backend's sessions, as `pg_stat_activity` shows it. @defaultValue `'exptrack'` */
  applicationName?: string;
  /**
   * How long a batch keeps being retried, in total, while the server is unreachable, a connection
   * drops or a deadlock is broken. A retried batch is never applied twice.
   * @defaultValue 60000
   */
  retryForMs?: number;
  /**
   * A running experiment whose heartbeat is older than this is marked crashed. Only tests and
   * tools should lower it: writers heartbeat every `HEARTBEAT_INTERVAL_MS`.
   * @defaultValue STALE_AFTER_MS (20 s)
   */
  staleAfterMs?: number;
  /** Where artifact and image bytes go. @defaultValue chunked rows in this database */
  artifacts?: PostgresArtifactConfig;
  /**
   * Fail with `not_found` ("no exptrack store here") instead of creating the schema and tables when
   * the schema holds no exptrack store: for tools that change an existing store. (A tool that only
   * reads wants `readOnly`, which implies this.)
   * @defaultValue false
   */
  storeMustExist?: boolean;
  /**
   * Open for reading only: nothing is ever created, migrated or updated, so a role that may only
   * read (USAGE on the schema, SELECT on its tables) can read the store, and reading by any role
   * leaves it as it was. Runs whose heartbeat stopped are shown `crashed` at read time (a writer
   * stores that). A store an older release wrote is read as it is, without upgrading it; a read
   * that needs a newer table fails with `unsupported`, saying to open the store once with a writer.
   * The sessions are read-only (`default_transaction_read_only`). A schema without an exptrack
   * store is `not_found`; writes fail with `unsupported`.
   * @defaultValue false
   */
  readOnly?: boolean;
}
