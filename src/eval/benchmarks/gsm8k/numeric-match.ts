/**
 * `numeric-match`: a GSM8K scorer beyond lm-eval that compares numbers instead of strings, fixing
 * lm-eval's known false negatives. Reported beside the parity metrics, never instead of them.
 *
 * Rules, in order:
 * 1. Normalise the output: U+2212, U+FE63 and U+FF0D become `-`; `\dfrac`/`\tfrac`/`\frac{a}{b}`
 *    become `a/b`; `$` is removed; a comma between a digit and exactly three digits is removed.
 * 2. Choose the answer span: the content of the last `\boxed{...}` / `\fbox{...}` (brace-matched);
 *    else the text after the first `#### `; else the text after the last "answer is"
 *    (case-insensitive); else the whole output.
 * 3. Take a number from the span: the first one for a boxed, `####` or "answer is" span, the last one
 *    for the whole output. A number is `-?digits(.digits)?` or `-?.digits`, optionally `/ digits`
 *    (a fraction); it must not follow a letter, digit, `_`, `^` or `.`, so units glued to digits
 *    (`m2`, `x^2`) and trailing words or `%` are not read as the answer. A `-` counts as a sign only
 *    when no letter or digit precedes it.
 * 4. The gold is the number after the last `#### ` (or the bare string), commas and `$` removed.
 * 5. Correct when |answer - gold| <= 1e-6 * max(1, |gold|).
 */

const NUMBER = /(?<![A-Za-z0-9_^.])(-?)(\d+(?:\.\d+)?|\.\d+)(?:\s*\/\s*(\d+(?:\.\d+)?))?/g;

/**
 * The number numeric-match reads from a model output.
 *
 * @param text - the model output
 * @returns the number, or null when none was found
 * @example
 * ```ts
 * import { numericExtract } from 'exptrack/eval';
 * numericExtract('The total is $1,210.00.');       // 1210
 * numericExtract('so the area is 18 m^2');          // 18
 * numericExtract('$\\boxed{18}$. Check: 20 - 2');   // 18
 * ```
 */
export function numericExtract(text: string): number | null {
  const s = normalizeNumericText(text);
  const boxed = lastBoxedContent(s);
  if (boxed !== undefined) return pickNumber(boxed, 'first');
  const hash = s.indexOf('#### ');
  if (hash >= 0) return pickNumber(s.slice(hash + 5), 'first');
  const lower = s.toLowerCase();
  const ans = lower.lastIndexOf('answer is');
  if (ans >= 0) {
    const n = pickNumber(s.slice(ans + 9), 'first');
    if (n !== null) return n;
  }
  return pickNumber(s, 'last');
}

/**
 * The numeric-match verdict.
 *
 * @param output - the model output
 * @param gold - the full GSM8K answer field or the bare number
 * @returns whether the output's number equals the gold number
 * @example
 * ```ts
 * import { numericMatch } from 'exptrack/eval';
 * numericMatch('The answer is 18.00', '#### 18'); // true
 * numericMatch('\u22125 degrees', '-5');          // true
 * ```
 */
export function numericMatch(output: string, gold: string): boolean {
  const g = parseGoldNumber(gold);
  const p = numericExtract(output);
  if (g === null || p === null) return false;
  return Math.abs(p - g) <= 1e-6 * Math.max(1, Math.abs(g));
}

/**
 * The gold number of a GSM8K answer field or a bare answer.
 *
 * @param gold - the answer field or a bare number
 * @returns the number, or null when it does not parse
 * @example
 * ```ts
 * import { parseGoldNumber } from 'exptrack/eval';
 * parseGoldNumber('...\n#### 1,000'); // 1000
 * ```
 */
export function parseGoldNumber(gold: string): number | null {
  const i = gold.lastIndexOf('#### ');
  const raw = normalizeNumericText(i >= 0 ? gold.slice(i + 5) : gold).trim();
  const m = /^(-?)(\d+(?:\.\d+)?|\.\d+)(?:\s*\/\s*(\d+(?:\.\d+)?))?/.exec(raw);
  return m ? toNumber(m) : null;
}

function normalizeNumericText(text: string): string {
  return text
    .replace(/[\u2212\uFE63\uFF0D]/g, '-')
    .replace(/\\[dt]?frac\{(-?[\d.]+)\}\{(-?[\d.]+)\}/g, '$1/$2')
    .replace(/\$/g, '')
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
}

function pickNumber(span: string, which: 'first' | 'last'): number | null {
  const matches = [...span.matchAll(NUMBER)];
  const m = which === 'first' ? matches[0] : matches[matches.length - 1];
  return m ? toNumber(m) : null;
}

function toNumber(m: RegExpMatchArray | RegExpExecArray): number | null {
  const value = Number(m[2]);
  const sign = m[1] === '-' ? -1 : 1;
  if (m[3] !== undefined) {
    const d = Number(m[3]);
    if (d === 0) return null;
    return (sign * value) / d;
  }
  return Number.isFinite(value) ? sign * value : null;
}

/** The content of the last `\boxed{...}` or `\fbox{...}` with brace matching, if any. */
function lastBoxedContent(s: string): string | undefined {
  let idx = s.lastIndexOf('\\boxed');
  if (idx < 0) idx = s.lastIndexOf('\\fbox');
  if (idx < 0) return undefined;
  const open = s.indexOf('{', idx);
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') {
      depth--;
      if (depth === 0) return s.slice(open + 1, i);
    }
  }
  return undefined;
}
