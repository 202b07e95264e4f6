import { storeError } from './open-database.js';
import type { BatchIdentity } from '../../core/backend.js';
import type { EventWriter, StoreEvent } from './event-writer.js';

/** How long a batch keeps retrying while other processes hold the lock, and how a retry waits. */
export interface RetryPolicy {
  path: string;
  lockRetryMs: number;
}

function backoffMs(attempt: number): number {
  return Math.min(1_000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes a batch, retrying with jittered backoff while another process holds the lock, for up to
 * `lockRetryMs`; other failures are thrown at once as typed errors. Synchronous: it sleeps with
 * Atomics.wait, so call it off the main thread or where no promise can settle (an exiting process).
 */
export function writeWithRetry(writer: EventWriter, events: readonly StoreEvent[], policy: RetryPolicy, batch?: BatchIdentity): void {
  const deadline = Date.now() + policy.lockRetryMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return writer.write(events, batch);
    } catch (cause) {
      const error = storeError(policy.path, cause);
      if (error.code !== 'locked' || Date.now() >= deadline) throw error;
      Atomics.wait(sleeper, 0, 0, backoffMs(attempt));
    }
  }
}

/** The same, for the main thread: waits with timers between attempts, so the event loop goes on. */
export async function writeWithRetryAsync(writer: EventWriter, events: readonly StoreEvent[], policy: RetryPolicy, batch?: BatchIdentity): Promise<void> {
  const deadline = Date.now() + policy.lockRetryMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return writer.write(events, batch);
    } catch (cause) {
      const error = storeError(policy.path, cause);
      if (error.code !== 'locked' || Date.now() >= deadline) throw error;
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
}
