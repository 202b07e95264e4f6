/**
 * Options of {@link SqliteBackend}.
 *
 * @example
 * ```ts
 * import { SqliteBackend } from 'exptrack/sqlite';
 * new SqliteBackend({ path: 'runs.db', busyTimeoutMs: 10_000 });
 * ```
 */
export interface SqliteBackendConfig {
  /** The database file; created when missing (unless `fileMustExist`). `:memory:` works too. */
  path: string;
  /** How long one statement waits for another process's lock. @defaultValue 5000 */
  busyTimeoutMs?: number;
  /** How long a batch keeps retrying while other processes hold the lock, in total. @defaultValue 60000 */
  lockRetryMs?: number;
  /** Fail instead of creating a missing file (for read-only tools). @defaultValue false */
  fileMustExist?: boolean;
  /**
   * Open for reading only: the file is never created, migrated or updated (not even to mark runs
   * whose heartbeat stopped: they are shown `crashed` at read time), a user who may only read it can
   * read it, and no `-wal`/`-shm` file this reader made is left behind. A missing, empty or foreign
   * file is an `ExptrackError` (`not_found`, `not_an_exptrack_store`); writes fail with `unsupported`.
   * @defaultValue false
   */
  readOnly?: boolean;
  /**
   * A running experiment whose heartbeat is older than this is marked crashed. Only tests and
   * tools should lower it: writers heartbeat every `HEARTBEAT_INTERVAL_MS`.
   * @defaultValue STALE_AFTER_MS (20 s)
   */
  staleAfterMs?: number;
  /**
   * The directory that holds the bytes of artifacts and images, content-addressed
   * (`<dir>/sha256/ab/cdef…`). A `:memory:` store keeps them in memory unless this is given.
   * @defaultValue `<path>.artifacts`, beside the store file
   */
  artifactsDir?: string;
  /**
   * Threads that read large metric outlines (more than 50,000 points in the series) off the calling
   * thread, each on a read-only connection of its own, started when first needed: a dashboard or
   * tracking server stays responsive while charts of a 20,000,000-point run are read. `0` reads
   * everything on the calling thread.
   * @defaultValue one fewer than the cores, at least 1 and at most 2 (the calling thread keeps a core)
   */
  readThreads?: number;
}
