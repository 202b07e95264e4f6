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
  /**
   * Fail with `not_found` ("no exptrack store here") instead of creating the schema and tables when
   * the schema holds no exptrack store: for tools that only read.
   * @defaultValue false
   */
  storeMustExist?: boolean;
}
