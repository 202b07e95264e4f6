/**
 * Retrying a model request: which failures are worth retrying, and how long to wait.
 */
import { ExptrackError } from '../core/errors.js';
import { ModelRequestError } from './model.js';

/**
 * How the runner retries a failed request.
 *
 * @example
 * ```ts
 * import type { RetryPolicy } from 'exptrack/eval';
 * const p: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };
 * ```
 */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** The first backoff; each retry doubles it, with full jitter. */
  baseDelayMs: number;
  /** The cap of one backoff. */
  maxDelayMs: number;
  /** The longest `retry-after` honoured; a longer one is cut to this. */
  maxRetryAfterMs: number;
}

/**
 * Whether a failure may succeed on retry: an exptrack error marked retryable (HTTP 429, 408, 5xx,
 * timeouts, network failures from the adapter), an error carrying such an HTTP `status`, or a
 * fetch network failure.
 *
 * @param error - what the model threw
 * @returns true when retrying makes sense
 * @example
 * ```ts
 * import { isRetryableError, ModelRequestError } from 'exptrack/eval';
 * isRetryableError(ModelRequestError.fromStatus(503, '')); // true
 * isRetryableError(new Error('bad prompt'));              // false
 * ```
 */
export function isRetryableError(error: unknown): boolean {
  if (ExptrackError.is(error)) return error.isRetryable;
  if (typeof error === 'object' && error !== null) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number') return status === 408 || status === 429 || status >= 500;
    if (error instanceof TypeError && /fetch failed|network|socket|ECONN/i.test(error.message)) return true;
  }
  return false;
}

/**
 * The wait before retry number `retry` (0-based): the server's retry-after when it sent one (capped
 * at `maxRetryAfterMs`), else exponential backoff with full jitter, between half and all of
 * min(maxDelayMs, baseDelayMs * 2^retry).
 *
 * @param error - the failure
 * @param retry - which retry this is, 0-based
 * @param policy - the retry policy
 * @param random - a source of uniform numbers in [0, 1)
 * @returns milliseconds to wait
 * @example
 * ```ts
 * import { retryDelayMs, ModelRequestError } from 'exptrack/eval';
 * const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
 * retryDelayMs(ModelRequestError.fromStatus(429, '', 1500), 0, policy); // 1500
 * ```
 */
export function retryDelayMs(error: unknown, retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxRetryAfterMs);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return cap / 2 + random() * (cap / 2);
}

function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof ModelRequestError || (ExptrackError.is(error) && 'retryAfterMs' in error)) {
    const v = (error as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  }
  return undefined;
}

/**
 * Waits, or rejects with the signal's reason as soon as it aborts.
 *
 * @param ms - how long
 * @param signal - cancels the wait
 * @returns resolves after `ms`
 * @example
 * ```ts
 * import { sleep } from 'exptrack/eval';
 * await sleep(100, AbortSignal.timeout(1000));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
