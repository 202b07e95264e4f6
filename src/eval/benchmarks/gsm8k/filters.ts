/**
 * lm-evaluation-harness's GSM8K answer filters and its exact_match metric, reproduced exactly.
 *
 * Filters (gsm8k.yaml, gsm8k-cot.yaml): a regex filter then take_first. The regex is searched with
 * Python `re.findall` semantics; `group_select` 0 takes the first match, -1 the last; with several
 * groups the first non-empty group of the chosen match is used; the result is stripped; no match
 * gives `[invalid]`.
 *
 * exact_match: each of `regexes_to_ignore` is removed (every occurrence, `re.sub`) from the
 * prediction and the reference in order, then both are lower-cased (`ignore_case`) and compared.
 */
import { invalidInput } from '../../../core/errors.js';

/**
 * What lm-eval's regex filter returns when nothing matched.
 *
 * @example
 * ```ts
 * import { INVALID_ANSWER, Gsm8kBenchmark } from 'exptrack/eval';
 * new Gsm8kBenchmark().extractAnswer('no number', 'strict-match') === INVALID_ANSWER; // true
 * ```
 */
export const INVALID_ANSWER = '[invalid]';

/**
 * A GSM8K filter of lm-eval: `strict-match` (the required answer format) or `flexible-extract`
 * (the last number-like string anywhere).
 *
 * @example
 * ```ts
 * import type { Gsm8kFilter } from 'exptrack/eval';
 * const f: Gsm8kFilter = 'strict-match';
 * ```
 */
export type Gsm8kFilter = 'strict-match' | 'flexible-extract';

/**
 * Which lm-eval task's filters: `gsm8k` (`#### N`) or `gsm8k-cot` (`The answer is N.`).
 *
 * @example
 * ```ts
 * import type { Gsm8kVariant } from 'exptrack/eval';
 * const v: Gsm8kVariant = 'cot';
 * ```
 */
export type Gsm8kVariant = 'default' | 'cot';

// Python's `.` is any character but \n; JavaScript's also excludes \r, \u2028 and \u2029, so the
// patterns spell it [^\n]. No pattern needs the u flag; all are ASCII classes.
const STRICT_DEFAULT = /#### (\-?[0-9\.\,]+)/g;
const STRICT_COT = /The answer is (\-?[0-9\.\,]+)[^\n]/g;
const FLEXIBLE = /(-?[$0-9.,]{2,})|(-?[0-9]+)/g;

/**
 * lm-eval's regex filter with take_first, on one response.
 *
 * @param text - the model output
 * @param pattern - a regex with the g flag and at least one group
 * @param groupSelect - 0 for the first match, -1 for the last (Python list indexing)
 * @returns the selected match, stripped, or `[invalid]`
 * @example
 * ```ts
 * import { regexFilter } from 'exptrack/eval';
 * regexFilter('a 1 b 22', /(-?[$0-9.,]{2,})|(-?[0-9]+)/g, -1); // '22'
 * ```
 */
export function regexFilter(text: string, pattern: RegExp, groupSelect: number): string {
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const matches = [...text.matchAll(re)];
  if (matches.length === 0) return INVALID_ANSWER;
  const index = groupSelect < 0 ? matches.length + groupSelect : groupSelect;
  const m = matches[index];
  if (!m) return INVALID_ANSWER;
  let value: string;
  if (m.length <= 1) value = m[0];
  else if (m.length === 2) value = m[1] ?? '';
  else value = m.slice(1).find((g) => g !== undefined && g !== '') ?? '';
  return pythonStrip(value);
}

/**
 * The answer lm-eval's GSM8K filter extracts from a model output.
 *
 * @param text - the model output (already cut at the stop sequences)
 * @param filter - `strict-match` or `flexible-extract`
 * @param variant - `default` (gsm8k) or `cot` (gsm8k-cot)
 * @returns the extracted string, or `[invalid]`
 * @throws ExptrackError `invalid_input` for an unknown filter
 * @example
 * ```ts
 * import { extractGsm8kAnswer } from 'exptrack/eval';
 * extractGsm8kAnswer('so 3 + 4 = 7.\n#### 7', 'strict-match'); // '7'
 * extractGsm8kAnswer('The answer is 1,210.', 'flexible-extract'); // '1,210.'
 * ```
 */
export function extractGsm8kAnswer(text: string, filter: Gsm8kFilter = 'flexible-extract', variant: Gsm8kVariant = 'default'): string {
  if (filter === 'strict-match') return regexFilter(text, variant === 'cot' ? STRICT_COT : STRICT_DEFAULT, 0);
  if (filter === 'flexible-extract') return regexFilter(text, FLEXIBLE, -1);
  throw invalidInput('filter', filter, "must be 'strict-match' or 'flexible-extract'");
}

/**
 * lm-eval's GSM8K `regexes_to_ignore`, applied in order: `,` then `\$` then `(?s).*#### ` then `\.$`.
 * Python's `$` also matches before a final newline; the last pattern keeps that.
 */
const REGEXES_TO_IGNORE: readonly RegExp[] = [/,/g, /\$/g, /[\s\S]*#### /g, /\.(?=\n?$)/g];

/**
 * One side of lm-eval's exact_match for GSM8K: every ignored regex removed, then lower-cased.
 *
 * @param text - a prediction or a reference
 * @returns the normalised string that is compared
 * @example
 * ```ts
 * import { normalizeForExactMatch } from 'exptrack/eval';
 * normalizeForExactMatch('He paid $1,210.\n#### 1,210'); // '1210'
 * ```
 */
export function normalizeForExactMatch(text: string): string {
  let s = text;
  for (const re of REGEXES_TO_IGNORE) s = s.replace(re, '');
  return s.toLowerCase();
}

/**
 * lm-eval's exact_match verdict for GSM8K (ignore_case, ignore_punctuation false, the task's
 * regexes_to_ignore).
 *
 * @param prediction - the filtered prediction (may be `[invalid]`)
 * @param reference - the reference: the full GSM8K answer field or the bare final answer
 * @returns whether the normalised strings are equal
 * @example
 * ```ts
 * import { gsm8kExactMatch } from 'exptrack/eval';
 * gsm8kExactMatch('18.', 'Janet sells ... \n#### 18'); // true
 * gsm8kExactMatch('18.00', '18');                       // false (lm-eval's known false negative)
 * ```
 */
export function gsm8kExactMatch(prediction: string, reference: string): boolean {
  return normalizeForExactMatch(prediction) === normalizeForExactMatch(reference);
}

/**
 * The gsm8k-cot task's reference: the text after the last `####`, stripped (its `doc_to_target`);
 * a bare answer is returned stripped.
 *
 * @param answer - the GSM8K answer field or a bare answer
 * @returns the reference string lm-eval compares against
 * @example
 * ```ts
 * import { cotReference } from 'exptrack/eval';
 * cotReference('... \n#### 18'); // '18'
 * ```
 */
export function cotReference(answer: string): string {
  const parts = answer.split('####');
  return pythonStrip(parts[parts.length - 1]!);
}

/**
 * The final answer of a GSM8K answer field: the text after `#### ` with thousands commas removed.
 *
 * @param answer - the answer field
 * @returns the number as a string, or undefined when the field has no `#### ` line
 * @example
 * ```ts
 * import { parseGsm8kGold } from 'exptrack/eval';
 * parseGsm8kGold('... so 70,000\n#### 70,000'); // '70000'
 * ```
 */
export function parseGsm8kGold(answer: string): string | undefined {
  const i = answer.lastIndexOf('#### ');
  if (i < 0) return undefined;
  const value = answer.slice(i + 5).trim().replace(/,/g, '');
  return value === '' ? undefined : value;
}

/**
 * Removes the calculator annotations `<<48/2=24>>` of a GSM8K solution.
 *
 * @param solution - the answer field
 * @returns the solution without annotations
 * @example
 * ```ts
 * import { stripCalculatorAnnotations } from 'exptrack/eval';
 * stripCalculatorAnnotations('48/2 = <<48/2=24>>24'); // '48/2 = 24'
 * ```
 */
export function stripCalculatorAnnotations(solution: string): string {
  return solution.replace(/<<[^>]*>>/g, '');
}

/**
 * Python's `str.strip()` without arguments: whitespace removed at both ends.
 *
 * @param s - the string
 * @returns the stripped string
 * @example
 * ```ts
 * import { pythonStrip } from 'exptrack/eval';
 * pythonStrip('\x1f 18 \n'); // '18'
 * ```
 */
export function pythonStrip(s: string): string {
  return s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g, '');
}
