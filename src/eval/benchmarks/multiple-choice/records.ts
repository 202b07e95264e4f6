/**
 * Reading the splits of a Hugging Face dataset exported as JSON Lines from a data directory.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExptrackError } from '../../../core/errors.js';
import { parseJsonl } from '../../data/jsonl.js';

/**
 * Reads one split from a data directory: `<dir>/<split>.jsonl`, or the files `<dir>/<split>-*.jsonl`
 * (Hugging Face's shard names, in name order), looked for first in `<dir>/<config>` when a config
 * name is given (e.g. `ARC-Easy`, an MMLU subject). Parquet is not read: export the split with
 * `datasets`' `to_json` first.
 *
 * @param dir - the data directory
 * @param split - the split name (`test`, `validation`, `train`, `dev`)
 * @param configs - dataset config folders to look in first, in order
 * @param signal - cancels the read
 * @returns the rows, in file order
 * @throws ExptrackError `not_found` when no file holds the split, `parse_error` for a bad line
 * @example
 * ```ts
 * import { readSplitRecords } from 'exptrack/eval';
 * const rows = await readSplitRecords('./data/ai2_arc', 'test', ['ARC-Easy']);
 * ```
 */
export async function readSplitRecords(dir: string, split: string, configs: readonly string[] = [], signal?: AbortSignal): Promise<Record<string, unknown>[]> {
  if (typeof dir !== 'string' || dir === '') throw new ExptrackError('the data directory must be a non-empty path', { code: 'invalid_input', field: 'source', value: dir });
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ExptrackError(`data directory ${dir} does not exist`, { code: 'not_found', field: 'source', value: dir });
  const tried: string[] = [];
  for (const folder of [...configs.map((c) => join(dir, c)), dir]) {
    const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => n === `${split}.jsonl` || (n.startsWith(`${split}-`) && n.endsWith('.jsonl'))).sort();
    tried.push(join(folder, `${split}.jsonl`));
    if (names.length === 0) continue;
    const rows: Record<string, unknown>[] = [];
    for (const name of names) {
      signal?.throwIfAborted();
      const file = join(folder, name);
      for (const { value } of parseJsonl(await readFile(file, 'utf8'), file)) rows.push(value);
    }
    return rows;
  }
  const parquet = (await readdir(dir).catch(() => [] as string[])).some((n) => n.endsWith('.parquet'));
  throw new ExptrackError(
    `no ${split} split in ${dir} (looked for ${tried.join(', ')})${parquet ? '; Parquet files are not read: export them as JSON Lines' : ''}`,
    { code: 'not_found', field: 'source', value: dir },
  );
}
