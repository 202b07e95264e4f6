/**
 * Reading the splits of a Hugging Face dataset from a data directory: JSON Lines or Parquet files.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExptrackError } from '../../../core/errors.js';
import { parseJsonl } from '../../data/jsonl.js';
import { readParquetRows } from '../../data/parquet.js';

/**
 * Reads one split from a data directory: `<dir>/<split>.jsonl`, or the files `<dir>/<split>-*.jsonl`
 * (Hugging Face's shard names, in name order), or the same names ending in `.parquet` (the files a
 * Hugging Face dataset ships, read with the optional package `hyparquet`), looked for first in
 * `<dir>/<config>` when a config name is given (e.g. `ARC-Easy`, an MMLU subject), then in `<dir>`
 * and `<dir>/data`. Where a folder holds both, the JSON Lines files are read.
 *
 * @param dir - the data directory
 * @param split - the split name (`test`, `validation`, `train`, `dev`)
 * @param configs - dataset config folders to look in first, in order
 * @param signal - cancels the read
 * @returns the rows, in file order
 * @throws ExptrackError `not_found` when no file holds the split, `parse_error` for a bad line or
 * Parquet file, `invalid_input` for Parquet files when `hyparquet` is not installed
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
  for (const folder of [...configs.map((c) => join(dir, c)), dir, join(dir, 'data')]) {
    const present = await readdir(folder).catch(() => [] as string[]);
    const named = (ext: string) => present.filter((n) => n === `${split}${ext}` || (n.startsWith(`${split}-`) && n.endsWith(ext))).sort();
    tried.push(join(folder, `${split}.jsonl`), join(folder, `${split}.parquet`));
    const jsonl = named('.jsonl');
    const parquet = jsonl.length > 0 ? [] : named('.parquet');
    if (jsonl.length === 0 && parquet.length === 0) continue;
    const rows: Record<string, unknown>[] = [];
    for (const name of jsonl) {
      signal?.throwIfAborted();
      const file = join(folder, name);
      for (const { value } of parseJsonl(await readFile(file, 'utf8'), file)) rows.push(value);
    }
    for (const name of parquet) {
      signal?.throwIfAborted();
      for (const row of await readParquetRows(join(folder, name))) rows.push(row);
    }
    return rows;
  }
  throw new ExptrackError(`no ${split} split in ${dir} (looked for ${tried.join(', ')} and their <name>-*.jsonl / .parquet shards)`, { code: 'not_found', field: 'source', value: dir });
}
