/**
 * Finding the last `\boxed{...}` of a MATH solution, as the Hendrycks MATH code (and lm-eval's
 * hendrycks_math and minerva_math utils) does.
 */

/**
 * The last `\boxed{...}` (or `\fbox{...}`) of a text, braces matched; `\boxed 5` (space form) takes
 * the text after the last `\boxed ` up to the next `$`.
 *
 * @param text - a solution or a model output
 * @returns the boxed expression including `\boxed{` and `}`, or null
 * @example
 * ```ts
 * import { lastBoxedOnlyString } from 'exptrack/eval';
 * lastBoxedOnlyString('so $x = \\boxed{\\frac{1}{2}}$.'); // '\\boxed{\\frac{1}{2}}'
 * ```
 */
export function lastBoxedOnlyString(text: string): string | null {
  let idx = text.lastIndexOf('\\boxed');
  if (text.includes('\\boxed ')) {
    const parts = text.split('\\boxed ');
    return '\\boxed ' + parts[parts.length - 1]!.split('$')[0]!;
  }
  if (idx < 0) {
    idx = text.lastIndexOf('\\fbox');
    if (idx < 0) return null;
  }
  let open = 0;
  for (let i = idx; i < text.length; i++) {
    const c = text[i];
    if (c === '{') open++;
    if (c === '}') {
      open--;
      if (open === 0) return text.slice(idx, i + 1);
    }
  }
  return null;
}

/**
 * Strips `\boxed{` and `}` (or `\boxed `) from what {@link lastBoxedOnlyString} returned. Unlike
 * the Python original, which fails an assertion on `\fbox{...}`, `\fbox{` is stripped as well.
 *
 * @param boxed - a boxed expression
 * @returns its content, or null when it is not a boxed expression
 * @example
 * ```ts
 * import { removeBoxed } from 'exptrack/eval';
 * removeBoxed('\\boxed{24}'); // '24'
 * ```
 */
export function removeBoxed(boxed: string): string | null {
  if (boxed.includes('\\boxed ')) return boxed.startsWith('\\boxed ') ? boxed.slice('\\boxed '.length) : null;
  for (const left of ['\\boxed{', '\\fbox{']) {
    if (boxed.startsWith(left) && boxed.endsWith('}')) return boxed.slice(left.length, -1);
  }
  return null;
}

/**
 * The content of the last boxed answer of a text.
 *
 * @param text - a solution or output
 * @returns the answer, or null when there is no complete boxed expression
 * @example
 * ```ts
 * import { lastBoxedAnswer } from 'exptrack/eval';
 * lastBoxedAnswer('we get $\\boxed{[2,5)}$.'); // '[2,5)'
 * ```
 */
export function lastBoxedAnswer(text: string): string | null {
  const boxed = lastBoxedOnlyString(text);
  return boxed === null ? null : removeBoxed(boxed);
}
