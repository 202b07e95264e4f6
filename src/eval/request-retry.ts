/**
 * One model request with the per-request timeout and the retry policy, shared by the generation and
 * the multiple-choice runners.
 */
import { ExptrackError, invalidInput } from '../core/errors.js';
import { retryDelayMs, sleep, type RetryPolicy } from './retry.js';

/** How a request is timed out and retried. */
export interface RequestSettings {
  timeoutMs: number;
  policy: RetryPolicy;
  retryOn: (error: unknown) => boolean;
  /** The run's signal: aborting it aborts the request in flight. */
  signal: AbortSignal | undefined;
  /** Told of every request's outcome; stops the run after too many identical failures in a row. */
  breaker?: CircuitBreaker;
}

/** Watches requests' outcomes (see {@link circuitBreaker}). */
export interface CircuitBreaker {
  succeeded(): void;
  failed(error: unknown): void;
}

/**
 * Counts failed requests in a row with the same message; at `limit`, calls `trip` with an error
 * quoting it (a dead or hostile server stops the evaluation instead of stalling every item).
 *
 * @param limit - how many identical failures in a row trip it (Infinity: never)
 * @param trip - called once the limit is reached
 * @returns the breaker
 */
export function circuitBreaker(limit: number, trip: (error: ExptrackError) => void): CircuitBreaker {
  let last = '';
  let run = 0;
  return {
    succeeded() {
      run = 0;
    },
    failed(error) {
      const message = errorMessage(error);
      run = message === last ? run + 1 : 1;
      last = message;
      if (run >= limit) {
        trip(new ExptrackError(`evaluation stopped after ${run} failed requests in a row with the same error: ${message}`, { code: 'unavailable', cause: error, retryable: false }));
      }
    },
  };
}

/**
 * Calls `call` with a signal that aborts after `timeoutMs` (or when the run is cancelled), racing
 * the abort so that a call ignoring its signal still ends; a retryable failure is retried with the
 * policy's backoff. Resolves with the value, the latency of the successful attempt and the retries
 * used; rejects with the last error (carrying `retriesUsed`), or the run signal's reason.
 */
export async function callWithRetry<T>(call: (signal: AbortSignal) => Promise<T>, ctx: RequestSettings): Promise<{ value: T; latencyMs: number; retries: number }> {
  for (let retry = 0; ; retry++) {
    const controller = new AbortController();
    // The error is built only when the timeout fires: a stack trace per request is not free.
    let timeoutError: ExptrackError | undefined;
    const timer = setTimeout(() => {
      timeoutError = new ExptrackError(`model request timed out after ${ctx.timeoutMs} ms`, { code: 'timeout' });
      controller.abort(timeoutError);
    }, ctx.timeoutMs);
    const onRunAbort = () => controller.abort(ctx.signal!.reason);
    ctx.signal?.addEventListener('abort', onRunAbort, { once: true });
    const t0 = performance.now();
    try {
      const value = await Promise.race([call(controller.signal), rejectOnAbort(controller.signal)]);
      const latencyMs = performance.now() - t0;
      ctx.breaker?.succeeded();
      return { value, latencyMs, retries: retry };
    } catch (caught) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      const error = timeoutError !== undefined && controller.signal.reason === timeoutError ? timeoutError : caught;
      ctx.breaker?.failed(error);
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (retry >= ctx.policy.retries || !ctx.retryOn(error)) {
        if (typeof error === 'object' && error !== null) {
          try {
            Object.defineProperty(error, 'retriesUsed', { value: retry, configurable: true });
          } catch {
            // frozen errors keep no count
          }
        }
        throw error;
      }
      await sleep(retryDelayMs(error, retry, ctx.policy), ctx.signal);
    } finally {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onRunAbort);
    }
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** An error as a row's `error` text: `Name [code]: message`. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = ExptrackError.is(error) ? ` [${error.code}]` : '';
    return `${error.name}${code}: ${error.message}`;
  }
  return String(error);
}

/** Validates an integer option >= 1. */
export function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw invalidInput(field, value, 'must be an integer >= 1');
  return value;
}

/** Validates a number option > 0. */
export function positiveNumber(value: number, field: string): number {
  if (typeof value !== 'number' || !(value > 0)) throw invalidInput(field, value, 'must be a number > 0');
  return value;
}
