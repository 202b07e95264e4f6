import { ExptrackError } from '../../core/errors.js';
import type { WandbRetryOptions } from './wandb-backend-config.js';

/** A retry policy with every field set. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Fills in the defaults of {@link WandbRetryOptions}. */
export function retryPolicy(options: WandbRetryOptions = {}): RetryPolicy {
  return {
    maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? 4)),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? 500),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? 8_000),
  };
}

/**
 * The wait before attempt `attempt + 1`: "full jitter" (a uniform draw between 0 and the
 * exponential bound), so many clients that failed together do not retry together. A server's
 * `Retry-After` is honoured up to `maxDelayMs`.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = random() * bound;
  return retryAfterMs === undefined ? jittered : Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs));
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Runs `attempt` until it succeeds, it fails with a non-retryable error, the attempts are spent or
 * `signal` aborts. Returns what the last attempt returned, or throws its error.
 */
export async function withRetry<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const retryable = ExptrackError.is(error) ? error.isRetryable : false;
      if (!retryable || n >= policy.maxAttempts || signal?.aborted) throw error;
      const retryAfter = ExptrackError.is(error) && typeof error.value === 'object' && error.value !== null ? (error.value as { retryAfterMs?: number }).retryAfterMs : undefined;
      await sleep(backoffDelay(policy, n, retryAfter), signal);
      if (signal?.aborted) throw error;
    }
  }
}
