/**
 * The CLI's own failures: a user error (exit code 1) or a usage error (exit code 2), each with a
 * one-line message that names what was wrong and what to do.
 * @module
 */

/** Exit code of a user error: an unknown id, a missing store, a malformed filter... */
export const EXIT_USER_ERROR = 1;
/** Exit code of a usage error: an unknown option, a missing argument, a bad option value. */
export const EXIT_USAGE_ERROR = 2;

/**
 * A failure the CLI reports as one line on stderr, with its exit code.
 *
 * @example
 * ```ts
 * throw new CliError('no experiment with id "exp_x" (run `exptrack list` to see the ids)');
 * ```
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The process exit code: 1 for user errors, 2 for usage errors. */
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT_USER_ERROR) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * A usage error (exit code 2).
 *
 * @param message - what was wrong with the command line and what to do
 * @returns the error, to throw
 * @example
 * ```ts
 * throw usageError('give --metric (and --benchmark for an evaluation metric)');
 * ```
 */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT_USAGE_ERROR);
}

/** An error with the brand of exptrack's `ExptrackError` (checked without loading the package). */
export interface BrandedError extends Error {
  code: string;
}

const BRAND = Symbol.for('exptrack.error');

/**
 * Whether `error` is an `ExptrackError` of any copy of exptrack, read through the public
 * `Symbol.for('exptrack.error')` brand (the same check `ExptrackError.is` makes), so that the error
 * path loads nothing.
 *
 * @param error - anything thrown
 * @returns true for an exptrack error
 * @example
 * ```ts
 * if (isExptrackError(e)) console.error(e.code);
 * ```
 */
export function isExptrackError(error: unknown): error is BrandedError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}
