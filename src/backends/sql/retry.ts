/**
 * One retry policy for the stores' writes and reads: how long to keep trying, how long to wait
 * between attempts, and which failures are worth another attempt. Run with one of two waits:
 * {@link retrySync} blocks the thread (the SQLite write thread, an exiting process), {@link retry}
 * waits with a timer so the event loop goes on.
 *
 * @example
 * ```ts
 * const policy: RetryPolicy = { forMs: 60_000, backoffMs: jitteredBackoff(20, 1_000), settle: (cause) => ({ error: cause, retryable: isLocked(cause) }) };
 * retrySync(() => writer.write(events), policy);
 * ```
 */
export interface RetryPolicy {
  /** Keep trying for this long after the first attempt started. */
  readonly forMs: number;
  /** At most this many attempts in all. @defaultValue no limit */
  readonly maxAttempts?: number;
  /** The wait after failed attempt `attempt` (0 for the first). */
  backoffMs(attempt: number): number;
  /** The error to throw for a failure (typed), and whether another attempt may succeed. */
  settle(cause: unknown): { error: unknown; retryable: boolean };
}

/** Exponential backoff from `baseMs`, capped at `capMs`, with jitter (half to all of it). */
export function jitteredBackoff(baseMs: number, capMs: number): (attempt: number) => number {
  return (attempt) => Math.min(capMs, baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/** The wait before the next attempt, or the error to throw. */
function nextStep(policy: RetryPolicy, cause: unknown, attempt: number, deadline: number): { waitMs: number } | { error: unknown } {
  const { error, retryable } = policy.settle(cause);
  if (!retryable || Date.now() >= deadline || attempt + 1 >= (policy.maxAttempts ?? Infinity)) return { error };
  return { waitMs: policy.backoffMs(attempt) };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `body` until it succeeds or the policy gives up, sleeping with `Atomics.wait` in between:
 * call it off the main thread or where no promise can settle (an exiting process).
 */
export function retrySync<T>(body: () => T, policy: RetryPolicy): T {
  const deadline = Date.now() + policy.forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return body();
    } catch (cause) {
      const step = nextStep(policy, cause, attempt, deadline);
      if ('error' in step) throw step.error;
      Atomics.wait(sleeper, 0, 0, step.waitMs);
    }
  }
}

/** The same for the event loop: waits with timers between attempts; `body` may be asynchronous. */
export async function retry<T>(body: () => T | Promise<T>, policy: RetryPolicy): Promise<T> {
  const deadline = Date.now() + policy.forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await body();
    } catch (cause) {
      const step = nextStep(policy, cause, attempt, deadline);
      if ('error' in step) throw step.error;
      await new Promise((resolve) => setTimeout(resolve, step.waitMs));
    }
  }
}
