/**
 * lm-eval minerva_math's answer check, `simplify(parse_latex(a) - parse_latex(b)) == 0`, without
 * sympy: both answers are read with the `sympy` grammar of {@link parseMathAnswer} and compared by
 * value (exact rationals, sympy-like floats, irrational values within a tolerance), at several fixed
 * points when they contain letters.
 */
import { invalidInput } from '../../../core/errors.js';
import { MathParseError, parseMathAnswer } from './latex-parse.js';
import { expressionsEqual } from './math-value.js';

/**
 * Options of {@link isSymbolicallyEqual}.
 *
 * @example
 * ```ts
 * import type { SymbolicEquivOptions } from 'exptrack/eval';
 * const o: SymbolicEquivOptions = { timeLimitMs: 50 };
 * ```
 */
export interface SymbolicEquivOptions {
  /** Give up (not equal) after this long, as lm-eval's 5 s alarm does. @defaultValue 100 */
  timeLimitMs?: number;
}

/**
 * Whether sympy would find two normalised MATH answers equal: false where sympy's `parse_latex`
 * fails (intervals, tuples, `\%`, unknown commands), for relations, and when the time runs out.
 *
 * @param a - one normalised answer
 * @param b - the other
 * @param options - the time limit
 * @returns the verdict
 * @throws ExptrackError `invalid_input` for a time limit that is not a positive number
 * @example
 * ```ts
 * import { isSymbolicallyEqual } from 'exptrack/eval';
 * isSymbolicallyEqual('3.5', '\\frac{7}{2}');     // true
 * isSymbolicallyEqual('(x+1)^2', 'x^2+2x+1');     // true
 * isSymbolicallyEqual('[2,5)', '[2,5)');          // false (sympy cannot parse it)
 * ```
 */
export function isSymbolicallyEqual(a: string, b: string, options: SymbolicEquivOptions = {}): boolean {
  const limit = options.timeLimitMs ?? 100;
  if (!(limit > 0)) throw invalidInput('timeLimitMs', options.timeLimitMs, 'must be a positive number');
  const deadline = performance.now() + limit;
  let left;
  let right;
  try {
    left = parseMathAnswer(a, 'sympy');
    right = parseMathAnswer(b, 'sympy');
  } catch (e) {
    if (e instanceof MathParseError) return false;
    throw e;
  }
  return expressionsEqual(left, right, deadline);
}
