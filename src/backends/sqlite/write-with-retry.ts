import { jitteredBackoff, retry, retrySync, type RetryPolicy } from '../sql/retry.js';
import { storeError } from './open-database.js';
import type { BatchIdentity } from '../../core/backend.js';
import type { EventWriter } from './event-writer.js';
import type { StoreEvent } from '../sql/store-event.js';

/** How long a batch keeps retrying while other processes hold the lock. */
export interface LockRetry {
  path: string;
  lockRetryMs: number;
}

/** Retries while another process holds the lock, for up to `lockRetryMs`; other failures are thrown at once as typed errors. */
function lockPolicy({ path, lockRetryMs }: LockRetry): RetryPolicy {
  return {
    forMs: lockRetryMs,
    backoffMs: jitteredBackoff(20, 1_000),
    settle: (cause) => {
      const error = storeError(path, cause);
      return { error, retryable: error.code === 'locked' };
    },
  };
}

/** Writes a batch, waiting for the lock with `Atomics.wait` (the write thread, an exiting process). */
export function writeWithRetry(writer: EventWriter, events: readonly StoreEvent[], lock: LockRetry, batch?: BatchIdentity): void {
  retrySync(() => writer.write(events, batch), lockPolicy(lock));
}

/** The same, for the main thread: waits with timers between attempts, so the event loop goes on. */
export function writeWithRetryAsync(writer: EventWriter, events: readonly StoreEvent[], lock: LockRetry, batch?: BatchIdentity): Promise<void> {
  return retry(() => writer.write(events, batch), lockPolicy(lock));
}
