/**
 * Reading typed fields out of dataset rows, with errors that name the task, the row and the field.
 */
import { invalidInput } from '../../../core/errors.js';

/**
 * A string field of a row.
 *
 * @param row - the dataset row
 * @param field - the field name
 * @param task - the task, for the error
 * @returns the value
 * @throws ExptrackError `invalid_input` when the field is not a string
 * @example
 * ```ts
 * import { stringField } from 'exptrack/eval';
 * stringField({ question: 'Why?' }, 'question', 'arc_easy'); // 'Why?'
 * ```
 */
export function stringField(row: Record<string, unknown>, field: string, task: string): string {
  const v = row[field];
  if (typeof v !== 'string') throw invalidInput(`${task}.${field}`, v, 'must be a string');
  return v;
}

/**
 * A string-array field of a row (or of a nested object: `path` may be `choices.text`).
 *
 * @param row - the dataset row
 * @param path - the field name, dotted for nested objects
 * @param task - the task, for the error
 * @returns the strings
 * @throws ExptrackError `invalid_input` when the field is not an array of strings
 * @example
 * ```ts
 * import { stringArrayField } from 'exptrack/eval';
 * stringArrayField({ choices: { text: ['a', 'b'] } }, 'choices.text', 'arc_easy'); // ['a', 'b']
 * ```
 */
export function stringArrayField(row: Record<string, unknown>, path: string, task: string): string[] {
  let v: unknown = row;
  for (const part of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalidInput(`${task}.${path}`, v, 'must be an array of strings');
  return v as string[];
}

/**
 * An integer field of a row, given as a number or a string of digits (HellaSwag's `label`).
 *
 * @param row - the dataset row
 * @param field - the field name
 * @param task - the task, for the error
 * @returns the integer
 * @throws ExptrackError `invalid_input` when the field is not an integer
 * @example
 * ```ts
 * import { integerField } from 'exptrack/eval';
 * integerField({ label: '2' }, 'label', 'hellaswag'); // 2
 * ```
 */
export function integerField(row: Record<string, unknown>, field: string, task: string): number {
  const v = row[field];
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidInput(`${task}.${field}`, v, 'must be an integer');
  return n;
}

/**
 * Checks that a gold index points at a choice.
 *
 * @param index - the gold index
 * @param count - how many choices there are
 * @param task - the task, for the error
 * @returns the index
 * @throws ExptrackError `invalid_input` when it is out of range
 * @example
 * ```ts
 * import { checkGoldIndex } from 'exptrack/eval';
 * checkGoldIndex(1, 4, 'mmlu'); // 1
 * ```
 */
export function checkGoldIndex(index: number, count: number, task: string): number {
  if (index < 0 || index >= count) throw invalidInput(`${task}.gold`, index, `must be a choice index below ${count}`);
  return index;
}
