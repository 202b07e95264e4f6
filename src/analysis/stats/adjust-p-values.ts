import { invalidInput } from '../../core/errors.js';
import { oneOf, probability } from './internal/validate.js';

/**
 * A multiple-comparison correction of {@link adjustPValues}: `'holm'` (Holm–Bonferroni, controls
 * the family-wise error rate), `'bh'` (Benjamini–Hochberg, controls the false discovery rate) or
 * `'bonferroni'`.
 *
 * @example
 * ```ts
 * import type { PValueAdjustment } from 'exptrack/analysis';
 * const method: PValueAdjustment = 'bh';
 * ```
 */
export type PValueAdjustment = 'holm' | 'bh' | 'bonferroni';

const METHODS: readonly PValueAdjustment[] = ['holm', 'bh', 'bonferroni'];

/**
 * Adjusts p-values for multiple comparisons (many metrics, many model pairs, many benchmarks).
 *
 * Returns adjusted p-values in the input order; compare each with the target level (0.05) as
 * usual.
 * - `'bonferroni'`: min(1, m p). Family-wise error control, simplest and most conservative.
 * - `'holm'`: step-down Holm: sort ascending, p(i) × (m - i + 1), running maximum, capped at 1.
 *   Family-wise error control, uniformly more powerful than Bonferroni.
 * - `'bh'`: step-up Benjamini–Hochberg: sort ascending, p(i) × m / i, running minimum from the
 *   top, capped at 1. Controls the false discovery rate (independent or positively dependent tests).
 *
 * Matches R's `p.adjust` and `statsmodels.stats.multitest.multipletests` (`holm`, `fdr_bh`,
 * `bonferroni`).
 *
 * Reference: Holm, S. (1979), "A simple sequentially rejective multiple test procedure", Scand. J.
 * Statist. 6(2); Benjamini, Y. & Hochberg, Y. (1995), "Controlling the false discovery rate", JRSS
 * B 57(1).
 *
 * @param pValues - the p-values, each in [0, 1], at least one
 * @param method - the correction
 * @returns the adjusted p-values, in the input order
 * @throws ExptrackError `invalid_input` when a p-value is outside [0, 1] or NaN, the array is empty,
 *   or the method is unknown
 *
 * @example
 * ```ts
 * import { adjustPValues } from 'exptrack/analysis';
 * adjustPValues([0.01, 0.04, 0.03, 0.2], 'holm');       // [0.04, 0.09, 0.09, 0.2]
 * adjustPValues([0.01, 0.04, 0.03, 0.2], 'bh');         // [0.04, 0.05333333333333334, 0.05333333333333334, 0.2]
 * adjustPValues([0.01, 0.04, 0.03, 0.2], 'bonferroni'); // [0.04, 0.16, 0.12, 0.8]
 * ```
 */
export function adjustPValues(pValues: readonly number[], method: PValueAdjustment): number[] {
  if (!Array.isArray(pValues)) throw invalidInput('pValues', pValues, 'must be an array of p-values');
  if (pValues.length === 0) throw invalidInput('pValues', pValues, 'must contain at least one p-value');
  pValues.forEach((p, i) => probability(`pValues[${i}]`, p));
  const m = oneOf('method', method, METHODS);
  const n = pValues.length;
  if (m === 'bonferroni') return pValues.map((p) => Math.min(1, p * n));
  const order = pValues.map((_, i) => i).sort((i, j) => (pValues[i] as number) - (pValues[j] as number));
  const out = new Array<number>(n);
  if (m === 'holm') {
    let running = 0;
    for (let r = 0; r < n; r++) {
      const i = order[r] as number;
      running = Math.max(running, Math.min(1, (n - r) * (pValues[i] as number)));
      out[i] = running;
    }
    return out;
  }
  let running = 1;
  for (let r = n - 1; r >= 0; r--) {
    const i = order[r] as number;
    running = Math.min(running, ((pValues[i] as number) * n) / (r + 1));
    out[i] = Math.min(1, running);
  }
  return out;
}
