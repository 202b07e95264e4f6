/**
 * The one error type exptrack throws, with a stable `code` and the context that explains it.
 * @module
 */

/**
 * Every kind of failure exptrack reports. Stable: tools may switch on it.
 *
 * @example
 * ```ts
 * import { ExptrackError } from 'exptrack';
 * try { tracker.logMetrics({ loss: 'x' as never }, 0); } catch (e) {
 *   if (ExptrackError.is(e) && e.code === 'invalid_input') console.error(e.field, e.value);
 * }
 * ```
 */
export type ExptrackErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'already_exists'
  | 'not_started'
  | 'already_finished'
  | 'locked'
  | 'unavailable'
  | 'rate_limited'
  | 'timeout'
  | 'corrupt_store'
  | 'not_an_exptrack_store'
  | 'unsupported'
  | 'backend_failed'
  | 'parse_error'
  | 'insufficient_data';

/** Codes whose failures may succeed if the same call is retried later. */
const RETRYABLE: ReadonlySet<ExptrackErrorCode> = new Set(['locked', 'unavailable', 'rate_limited', 'timeout']);

const BRAND = Symbol.for('exptrack.error');

/**
 * Options of {@link ExptrackError}: the code, and the context fields that name what was wrong.
 *
 * @example
 * ```ts
 * new ExptrackError('step must be >= 0', { code: 'invalid_input', field: 'step', value: -1 });
 * ```
 */
export interface ExptrackErrorOptions {
  /** What kind of failure this is. */
  code: ExptrackErrorCode;
  /** The input field at fault, as a dotted path (`metrics.loss`, `config.learning_rate`). */
  field?: string;
  /** The offending value, as given. */
  value?: unknown;
  /** The backend that failed, by name. */
  backend?: string;
  /** The original error. */
  cause?: unknown;
  /** Override of the retryability implied by `code`. */
  retryable?: boolean;
}

/**
 * The base error of exptrack. Check with {@link ExptrackError.is}, which works across two copies
 * of the package (ESM and CJS) where `instanceof` does not.
 *
 * @example
 * ```ts
 * import { ExptrackError } from 'exptrack';
 * const err = new ExptrackError('unknown experiment exp_1', { code: 'not_found', value: 'exp_1' });
 * ExptrackError.is(err); // true
 * err.isRetryable;       // false
 * ```
 */
export class ExptrackError extends Error {
  /** The stable name of every exptrack error. */
  override readonly name: string = 'ExptrackError';
  /** What kind of failure this is. */
  readonly code: ExptrackErrorCode;
  /** The input field at fault, if any. */
  readonly field: string | undefined;
  /** The offending value, if any. */
  readonly value: unknown;
  /** The backend that failed, if any. */
  readonly backend: string | undefined;
  /** Whether retrying the same call later may succeed. */
  readonly isRetryable: boolean;

  constructor(message: string, options: ExptrackErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.field = options.field;
    this.value = options.value;
    this.backend = options.backend;
    this.isRetryable = options.retryable ?? RETRYABLE.has(options.code);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * Whether `error` is an exptrack error, from any copy of the package.
   *
   * @example
   * ```ts
   * if (ExptrackError.is(e)) console.log(e.code);
   * ```
   */
  static is(error: unknown): error is ExptrackError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Shows a value in an error message: short, and never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? text.slice(0, 77) + '...' : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Makes an `invalid_input` error that names the field and the value.
 *
 * @example
 * ```ts
 * throw invalidInput('step', -1, 'must be a finite integer >= 0');
 * // ExptrackError: step must be a finite integer >= 0 (got -1)
 * ```
 */
export function invalidInput(field: string, value: unknown, rule: string): ExptrackError {
  return new ExptrackError(`${field} ${rule} (got ${describeValue(value)})`, { code: 'invalid_input', field, value });
}
