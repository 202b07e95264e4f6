/**
 * Loading GSM8K splits from a local JSONL file or directory, or from a URL (downloaded once into a
 * cache directory and checked against its sha256).
 */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { ExptrackError } from '../../../core/errors.js';
import { parseJsonl } from '../../data/jsonl.js';
import { isUrl, readSource, type DownloadOptions } from '../../data/source.js';
import { parseGsm8kGold } from './filters.js';

/**
 * The canonical GSM8K files of the public openai/grade-school-math repository.
 *
 * @example
 * ```ts
 * import { GSM8K_BASE_URL } from 'exptrack/eval';
 * `${GSM8K_BASE_URL}/test.jsonl`;
 * ```
 */
export const GSM8K_BASE_URL = 'https://raw.githubusercontent.com/openai/grade-school-math/master/grade_school_math/data';

/**
 * The sha256 of the canonical GSM8K files.
 *
 * @example
 * ```ts
 * import { GSM8K_SHA256 } from 'exptrack/eval';
 * GSM8K_SHA256['test.jsonl']; // '3730d312...'
 * ```
 */
export const GSM8K_SHA256: Readonly<Record<string, string>> = {
  'test.jsonl': '3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14',
  'train.jsonl': '17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465',
};

/**
 * One GSM8K record as published, with its position in the file.
 *
 * @example
 * ```ts
 * import type { Gsm8kRecord } from 'exptrack/eval';
 * const r: Gsm8kRecord = { index: 0, question: '1+1?', answer: '1+1=<<1+1=2>>2\n#### 2', gold: '2' };
 * ```
 */
export interface Gsm8kRecord {
  /** 0-based position among the file's records. */
  index: number;
  question: string;
  /** The full answer field: the worked solution and the `#### N` line. */
  answer: string;
  /** The final answer: the number after `#### `, thousands commas removed. */
  gold: string;
}

/**
 * Where a split comes from, and how to fetch it.
 *
 * @example
 * ```ts
 * import type { Gsm8kSourceOptions } from 'exptrack/eval';
 * const o: Gsm8kSourceOptions = { source: './data/gsm8k' };
 * ```
 */
export interface Gsm8kSourceOptions extends DownloadOptions {
  /**
   * A directory holding `<split>.jsonl`, a `.jsonl` file, or an http(s) URL of either kind.
   * @defaultValue {@link GSM8K_BASE_URL}
   */
  source?: string;
  /** Expected sha256 per file name (`test.jsonl`); the canonical files' are known. */
  sha256?: Record<string, string>;
  /** Accept a URL whose sha256 is not known. @defaultValue false */
  allowUnverified?: boolean;
}

/**
 * Reads one GSM8K split.
 *
 * @param split - `test` or `train` (the file `<split>.jsonl` of a directory or base URL)
 * @param options - the source and download options
 * @returns the records in file order
 * @throws ExptrackError `parse_error` for a record without a question, an answer or a `#### ` line;
 * `not_found` / `unavailable` / `invalid_input` from reading or downloading
 * @example
 * ```ts
 * import { loadGsm8kSplit } from 'exptrack/eval';
 * const test = await loadGsm8kSplit('test', { source: './data/gsm8k' });
 * test.length; // 1319
 * ```
 */
export async function loadGsm8kSplit(split: string, options: Gsm8kSourceOptions = {}): Promise<Gsm8kRecord[]> {
  const location = await resolveSplitLocation(options.source ?? GSM8K_BASE_URL, split);
  const fileName = location.split('/').pop() ?? '';
  const known = options.sha256?.[fileName] ?? (location.startsWith(GSM8K_BASE_URL) ? GSM8K_SHA256[fileName] : undefined);
  const text = await readSource(location, known, options);
  return parseGsm8kJsonl(text, location);
}

/**
 * Parses GSM8K JSONL text.
 *
 * @param text - the file's text
 * @param source - its name, for messages
 * @returns the records
 * @throws ExptrackError `parse_error` naming the bad line
 * @example
 * ```ts
 * import { parseGsm8kJsonl } from 'exptrack/eval';
 * parseGsm8kJsonl('{"question":"1+1?","answer":"#### 2"}', 'x')[0]?.gold; // '2'
 * ```
 */
export function parseGsm8kJsonl(text: string, source: string): Gsm8kRecord[] {
  return parseJsonl(text, source).map(({ line, value }, index) => {
    const { question, answer } = value;
    if (typeof question !== 'string' || typeof answer !== 'string') {
      throw new ExptrackError(`${source}:${line + 1} needs string fields question and answer`, { code: 'parse_error', field: `${source}:${line + 1}` });
    }
    const gold = parseGsm8kGold(answer);
    if (gold === undefined) {
      throw new ExptrackError(`${source}:${line + 1} has no "#### " final answer`, { code: 'parse_error', field: `${source}:${line + 1}`, value: answer });
    }
    return { index, question, answer, gold };
  });
}

/**
 * The file a split is read from: the source itself when it is a `.jsonl` file (or URL), else
 * `<source>/<split>.jsonl`.
 *
 * @param source - a directory, file or URL
 * @param split - the split name
 * @returns the path or URL
 * @example
 * ```ts
 * import { resolveSplitLocation } from 'exptrack/eval';
 * await resolveSplitLocation('https://example.com/data', 'test'); // 'https://example.com/data/test.jsonl'
 * ```
 */
export async function resolveSplitLocation(source: string, split: string): Promise<string> {
  if (/\.jsonl$/i.test(source)) return source;
  if (isUrl(source)) return `${source.replace(/\/+$/, '')}/${split}.jsonl`;
  const info = await stat(source).catch(() => undefined);
  if (info?.isFile()) return source;
  return join(source, `${split}.jsonl`);
}
