/**
 * The Minerva answer extraction and `normalize_final_answer` (Lewkowycz et al. 2022, appendix D),
 * as lm-eval's minerva_math task uses them, and its equivalence: sympy's verdict on the normalised
 * answers (see {@link isSymbolicallyEqual}), except that identical strings are always equivalent.
 */
import { isSymbolicallyEqual, type SymbolicEquivOptions } from './symbolic-equiv.js';

/**
 * What lm-eval's Minerva extraction returns when the output has no final-answer sentence.
 *
 * @example
 * ```ts
 * import { getUnnormalizedAnswer, MINERVA_INVALID_ANSWER } from 'exptrack/eval';
 * getUnnormalizedAnswer('no sentence') === MINERVA_INVALID_ANSWER; // true
 * ```
 */
export const MINERVA_INVALID_ANSWER = '[invalidanswer]';

/**
 * The answer of a Minerva-style output: what follows `Final Answer: The final answer is` up to
 * `. I hope it is correct.` (the output gets that sentence appended first, as in lm-eval).
 *
 * @param output - the model output
 * @returns the unnormalised answer, or `[invalidanswer]`
 * @example
 * ```ts
 * import { getUnnormalizedAnswer } from 'exptrack/eval';
 * getUnnormalizedAnswer('... Final Answer: The final answer is $16$. I hope it is correct.'); // '$16$'
 * ```
 */
export function getUnnormalizedAnswer(output: string): string {
  const text = output + 'I hope it is correct.';
  // Python `.` without DOTALL: any character but \n.
  const m = /Final Answer: The final answer is([^\n]*?)[^\n] I hope it is correct[^\n]/.exec(text);
  return m ? m[1]!.trim() : MINERVA_INVALID_ANSWER;
}

const SUBSTITUTIONS: ReadonlyArray<readonly [string, string]> = [
  ['an ', ''],
  ['a ', ''],
  ['.$', '$'],
  ['\\$', ''],
  ['\\ ', ''],
  [' ', ''],
  ['mbox', 'text'],
  [',\\text{and}', ','],
  ['\\text{and}', ','],
  ['\\text{m}', '\\text{}'],
];

const REMOVED_EXPRESSIONS: readonly string[] = [
  'square',
  'ways',
  'integers',
  'dollars',
  'mph',
  'inches',
  'ft',
  'hours',
  'km',
  'units',
  '\\ldots',
  'sue',
  'points',
  'feet',
  'minutes',
  'digits',
  'cents',
  'degrees',
  'cm',
  'gm',
  'pounds',
  'meters',
  'meals',
  'edges',
  'students',
  'childrentickets',
  'multiples',
  '\\text{s}',
  '\\text{.}',
  '\\text{\ns}',
  '\\text{}^2',
  '\\text{}^3',
  '\\text{\n}',
  '\\text{}',
  '\\mathrm{th}',
  '^\\circ',
  '^{\\circ}',
  '\\;',
  ',\\!',
  '{,}',
  '"',
  '\\dots',
];

// Python's isdigit(): decimal digits plus the other Unicode digits (superscripts, circled...).
const PY_ISDIGIT = /^[\p{Nd}\u00B2\u00B3\u00B9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24F5-\u24FD\u24EA\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u1369-\u1371\u19DA]+$/u;

/**
 * Minerva's `normalize_final_answer`: keeps the text after the last `=`, applies the fixed
 * substitutions, removes unit words and TeX spacing, unwraps `$...$`, `\text{}`, `\textbf{}`,
 * `\overline{}` and `\boxed{}`, expands `\fracab` and `\sqrta`, removes `$`, and drops the commas of
 * a plain number.
 *
 * @param answer - the unnormalised answer
 * @returns the normalised answer
 * @example
 * ```ts
 * import { normalizeFinalAnswer } from 'exptrack/eval';
 * normalizeFinalAnswer('$x = 100,000$');  // '100000'
 * normalizeFinalAnswer('\\dfrac12');      // '\\dfrac{1}{2}'
 * normalizeFinalAnswer('30^\\circ');       // '30'
 * ```
 */
export function normalizeFinalAnswer(answer: string): string {
  const eq = answer.split('=');
  let s = eq[eq.length - 1]!;
  for (const [before, after] of SUBSTITUTIONS) s = s.replaceAll(before, after);
  for (const expr of REMOVED_EXPRESSIONS) s = s.replaceAll(expr, '');
  s = s.replace(/([^\n]*?)(\$)([^\n]*?)(\$)([^\n]*)/g, (_m, _a: string, _b: string, c: string) => `$${c}$`);
  s = s.replace(/(\\text\{)([^\n]*?)(\})/g, (_m, _a: string, b: string) => b);
  s = s.replace(/(\\textbf\{)([^\n]*?)(\})/g, (_m, _a: string, b: string) => b);
  s = s.replace(/(\\overline\{)([^\n]*?)(\})/g, (_m, _a: string, b: string) => b);
  s = s.replace(/(\\boxed\{)([^\n]*)(\})/g, (_m, _a: string, b: string) => b);
  s = s.replace(/(frac)([^{])([^\n])/g, (_m, _a: string, b: string, c: string) => `frac{${b}}{${c}}`);
  s = s.replace(/(sqrt)([^{])/g, (_m, _a: string, b: string) => `sqrt{${b}}`);
  s = s.replaceAll('$', '');
  const noCommas = s.replaceAll(',', '');
  if (noCommas.length > 0 && PY_ISDIGIT.test(noCommas)) s = noCommas;
  return s;
}

/**
 * Minerva equivalence as lm-eval's minerva_math computes it: sympy finds the normalised answers
 * equal (`3.5` and `\frac{7}{2}`, `17.00` and `17`). One deliberate difference: identical normalised
 * strings are equivalent even where sympy cannot parse them (`[2,5)`, `25\%`), which lm-eval
 * scores as wrong.
 *
 * @param candidate - the normalised model answer
 * @param gold - the normalised gold answer
 * @param options - the time limit of the symbolic comparison
 * @returns the verdict
 * @example
 * ```ts
 * import { isEquivMinerva, normalizeFinalAnswer } from 'exptrack/eval';
 * isEquivMinerva(normalizeFinalAnswer('$16$'), normalizeFinalAnswer('16')); // true
 * isEquivMinerva('\\dfrac{1}{6}', '\\frac{1}{6}');                       // true
 * isEquivMinerva('[2,5)', '[2,5)');                                       // true (lm-eval: false)
 * ```
 */
export function isEquivMinerva(candidate: string, gold: string, options: SymbolicEquivOptions = {}): boolean {
  if (candidate === MINERVA_INVALID_ANSWER) return false;
  if (candidate === gold) return true;
  return isSymbolicallyEqual(candidate, gold, options);
}
