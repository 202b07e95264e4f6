/**
 * The Hendrycks MATH answer normalisation (`strip_string`) and equivalence (`is_equiv`), the
 * answer extraction of lm-eval's hendrycks_math task and the boxed-first extraction of `boxed_equiv`, reproduced including where the Python raises:
 * an exception inside `strip_string` makes `is_equiv` fall back to comparing the raw strings.
 */
import { lastBoxedOnlyString, removeBoxed } from './boxed.js';

/** Stands for a Python exception raised inside strip_string. */
class PythonRaise extends Error {}

/**
 * Hendrycks' `strip_string`: removes line breaks, `\!`, `\left`/`\right`, degrees, `\$`, units
 * after `\text{ `, `\%`; turns `tfrac`/`dfrac` into `frac`, `.5` into `0.5`, `\frac12` into
 * `\frac{1}{2}`, `\sqrt3` into `\sqrt{3}`, `0.5` into `\frac{1}{2}`, `a/b` into `\frac{a}{b}`; drops a
 * short `k = ` prefix and all spaces.
 *
 * @param input - an answer string
 * @returns the normalised string
 * @throws Error where the Python original raises (then `isEquivHendrycks` compares raw strings)
 * @example
 * ```ts
 * import { stripString } from 'exptrack/eval';
 * stripString('\\dfrac12'); // '\\frac{1}{2}'
 * stripString('x = 5');      // '5'
 * ```
 */
export function stripString(input: string): string {
  let s = input.replaceAll('\n', '');
  s = s.replaceAll('\\!', '');
  s = s.replaceAll('\\\\', '\\');
  s = s.replaceAll('tfrac', 'frac').replaceAll('dfrac', 'frac');
  s = s.replaceAll('\\left', '').replaceAll('\\right', '');
  s = s.replaceAll('^{\\circ}', '').replaceAll('^\\circ', '');
  s = s.replaceAll('\\$', '');
  s = removeRightUnits(s);
  s = s.replaceAll('\\%', '');
  s = s.replaceAll(' .', ' 0.').replaceAll('{.', '{0.');
  if (s.length === 0) return s;
  if (s[0] === '.') s = '0' + s;
  const eq = s.split('=');
  if (eq.length === 2 && [...eq[0]!].length <= 2) s = eq[1]!;
  s = fixSqrt(s);
  s = s.replaceAll(' ', '');
  s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  s = fixASlashB(s);
  return s;
}

/**
 * Hendrycks' `is_equiv`: equal after {@link stripString}, or, when normalising raises, equal as
 * given. Null on either side is not equivalent (both null is).
 *
 * @param a - one answer
 * @param b - the other
 * @returns the verdict
 * @example
 * ```ts
 * import { isEquivHendrycks } from 'exptrack/eval';
 * isEquivHendrycks('\\frac12', '\\frac{1}{2}'); // true
 * isEquivHendrycks('0.50', '\\frac{1}{2}');     // false (no numeric comparison)
 * ```
 */
export function isEquivHendrycks(a: string | null, b: string | null): boolean {
  if (a === null && b === null) return true;
  if (a === null || b === null) return false;
  try {
    return stripString(a) === stripString(b);
  } catch {
    return a === b;
  }
}

/**
 * lm-eval hendrycks_math's answer extraction (`process_results`): the text between the first and
 * the last `$` of the output, or the whole output when it has fewer than two `$`. It never looks
 * at `\boxed{}`; {@link extractBoxedAnswer} does.
 *
 * @param output - the model output
 * @returns the answer string
 * @example
 * ```ts
 * import { extractHendrycksAnswer } from 'exptrack/eval';
 * extractHendrycksAnswer('Thus $x=\\boxed{3}$.');                   // 'x=\\boxed{3}'
 * extractHendrycksAnswer('So $a$ is $\\boxed{6}$.\nFinal Answer: $6$.'); // 'a$ is $\\boxed{6}$.\nFinal Answer: $6'
 * ```
 */
export function extractHendrycksAnswer(output: string): string {
  const first = output.indexOf('$');
  const last = output.lastIndexOf('$');
  return first >= 0 && last > first ? output.slice(first + 1, last) : output;
}

/**
 * The boxed-first extraction of the `boxed_equiv` metric (a deviation from lm-eval that avoids
 * its false negatives on outputs with several `$...$`): the last boxed answer; else the first
 * `\[...\]` block; else the text between the first and the last `$`; else the whole output.
 *
 * @param output - the model output
 * @returns the answer string
 * @example
 * ```ts
 * import { extractBoxedAnswer } from 'exptrack/eval';
 * extractBoxedAnswer('Thus $x=\\boxed{3}$.'); // '3'
 * ```
 */
export function extractBoxedAnswer(output: string): string {
  const boxed = lastBoxedOnlyString(output);
  if (boxed !== null) {
    const inner = removeBoxed(boxed);
    if (inner !== null) return inner;
  }
  const m = /\\\[([\s\S]+?)\\\]/.exec(output);
  if (m) return m[1]!.trim();
  return extractHendrycksAnswer(output);
}

function removeRightUnits(s: string): string {
  if (!s.includes('\\text{ ')) return s;
  const parts = s.split('\\text{ ');
  if (parts.length !== 2) throw new PythonRaise('AssertionError in remove_right_units');
  return parts[0]!;
}

function fixSqrt(s: string): string {
  if (!s.includes('\\sqrt')) return s;
  const parts = s.split('\\sqrt');
  let out = parts[0]!;
  for (const part of parts.slice(1)) {
    const chars = [...part];
    if (chars.length === 0) throw new PythonRaise('IndexError in fix_sqrt');
    if (chars[0] !== '{') out += '\\sqrt{' + chars[0] + '}' + chars.slice(1).join('');
    else out += '\\sqrt' + part;
  }
  return out;
}

function fixFracs(s: string): string {
  const parts = s.split('\\frac');
  let out = parts[0]!;
  for (const part of parts.slice(1)) {
    out += '\\frac';
    const chars = [...part];
    if (chars.length === 0) throw new PythonRaise('IndexError in fix_fracs');
    if (chars[0] === '{') {
      out += part;
      continue;
    }
    if (chars.length < 2) return s;
    const a = chars[0]!;
    const b = chars[1]!;
    const post = chars.slice(2).join('');
    if (b !== '{') out += '{' + a + '}{' + b + '}' + post;
    else out += '{' + a + '}' + b + post;
  }
  return out;
}

const PY_INT = /^[\t\n\v\f\r ]*[+-]?\p{Nd}+(?:_\p{Nd}+)*[\t\n\v\f\r ]*$/u;

function fixASlashB(s: string): string {
  const parts = s.split('/');
  if (parts.length !== 2) return s;
  const [a, b] = parts as [string, string];
  // Python's int() raises ValueError on these, which is_equiv catches.
  if (!PY_INT.test(a) || !PY_INT.test(b)) throw new PythonRaise('ValueError in fix_a_slash_b');
  const canonical = (x: string) => /^-?(0|[1-9][0-9]*)$/.test(x) && x !== '-0';
  if (!canonical(a) || !canonical(b)) return s;
  return '\\frac{' + a + '}{' + b + '}';
}
