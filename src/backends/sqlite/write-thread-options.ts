import type { LockRetry } from './write-with-retry.js';

/** What the SQLite write thread opens the store with (plain data: it crosses threads). */
export interface SqliteWriteThreadOptions extends LockRetry {
  busyTimeoutMs: number;
}
