import type { PgPoolSettings } from './pg-driver.js';

/** What the Postgres write thread opens its own pool with (plain data: it crosses threads). */
export interface PgWriteThreadOptions {
  pool: PgPoolSettings;
  /** How long a batch keeps being retried (see `PostgresBackendConfig.retryForMs`). */
  retryForMs: number;
  /** The store as named in messages. */
  where: string;
}
