/**
 * The loader shared by the built-in multiple-choice tasks: the `source` directory, or an error
 * saying what to give.
 */
import { ExptrackError } from '../../../core/errors.js';
import { readSplitRecords } from './records.js';

/**
 * Reads a split of a built-in task from its `source` directory.
 *
 * @param task - the task name, for the error
 * @param source - the data directory, if one was given
 * @param split - the split name
 * @param configs - dataset config folders to look in first
 * @param signal - cancels the read
 * @returns the rows
 * @throws ExptrackError `invalid_input` when no source was given
 * @example
 * ```ts
 * import { loadTaskSplit } from 'exptrack/eval';
 * const rows = await loadTaskSplit('arc_easy', './data/ai2_arc', 'test', ['ARC-Easy']);
 * ```
 */
export function loadTaskSplit(task: string, source: string | undefined, split: string, configs: readonly string[], signal?: AbortSignal): Promise<Record<string, unknown>[]> {
  if (source === undefined) {
    return Promise.reject(
      new ExptrackError(`${task} needs its ${split} split: pass records (and fewshotRecords) or a data directory as source (--data)`, {
        code: 'invalid_input',
        field: 'source',
      }),
    );
  }
  return readSplitRecords(source, split, configs, signal);
}
