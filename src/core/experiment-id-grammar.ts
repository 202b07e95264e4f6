/**
 * What an experiment id may look like. Ids end up in file paths (`reproduce` worktrees), URLs and
 * terminals, so one read from an export or a store must be plain.
 * @module
 */
import { invalidInput } from './errors.js';

/**
 * An experiment id: 1 to 200 characters from letters, digits, `_ - . : @ +`, starting with a letter,
 * a digit or `_` (no path separator, no control character, never `.` or `..`). Every id the tracker
 * makes (`exp_20260101_120000_a1b2c3`) matches.
 *
 * @example
 * ```ts
 * import { EXPERIMENT_ID_PATTERN } from 'exptrack';
 * EXPERIMENT_ID_PATTERN.test('exp_20260101_120000_a1b2c3'); // true
 * EXPERIMENT_ID_PATTERN.test('x/../../escaped');            // false
 * ```
 */
export const EXPERIMENT_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:@+-]{0,199}$/;

/**
 * Checks an experiment id against {@link EXPERIMENT_ID_PATTERN}.
 *
 * @param id - the id
 * @param field - the name of the field in the error
 * @returns the id
 * @throws ExptrackError `invalid_input` naming the field and the id
 * @example
 * ```ts
 * import { validateExperimentId } from 'exptrack';
 * validateExperimentId('exp_1', 'id'); // 'exp_1'
 * ```
 */
export function validateExperimentId(id: unknown, field: string): string {
  if (typeof id !== 'string' || !EXPERIMENT_ID_PATTERN.test(id)) {
    throw invalidInput(field, id, 'must be an experiment id: 1 to 200 letters, digits or _ - . : @ + (no path separator or control character), starting with a letter, a digit or _');
  }
  return id;
}
