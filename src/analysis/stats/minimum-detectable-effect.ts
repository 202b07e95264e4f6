import { invalidInput } from '../../core/errors.js';
import { readPowerInputs } from './internal/power.js';
import { finite } from './internal/validate.js';
import type { PowerOptions } from './required-sample-size.js';

/**
 * Options of {@link minimumDetectableEffect}: {@link PowerOptions} and the number of questions.
 *
 * @example
 * ```ts
 * import type { MinimumDetectableEffectOptions } from 'exptrack/analysis';
 * const o: MinimumDetectableEffectOptions = { n: 1319, sd: 0.45, paired: true, correlation: 0.4 };
 * ```
 */
export interface MinimumDetectableEffectOptions extends PowerOptions {
  /** Number of questions (per system, for unpaired designs), > 0. */
  n: number;
}

/**
 * The result of {@link minimumDetectableEffect}.
 *
 * @example
 * ```ts
 * import { minimumDetectableEffect, type MinimumDetectableEffectResult } from 'exptrack/analysis';
 * const r: MinimumDetectableEffectResult = minimumDetectableEffect({ n: 1000, sd: 0.5 });
 * r.effect; // 0.06264534992459175
 * ```
 */
export interface MinimumDetectableEffectResult {
  /** The smallest difference in mean score detectable with the given power. */
  effect: number;
  /** The standard error of the difference, sqrt(ω² / n). */
  standardError: number;
  /** Variance of one question's score difference, ω². */
  varianceOfDifference: number;
  /** The significance level used. */
  alpha: number;
  /** The power used. */
  power: number;
  /** A readable description of the design. */
  method: string;
}

/**
 * Minimum detectable effect: the smallest difference in mean score between two systems that an
 * eval of n questions detects at significance level alpha with the given power.
 *
 * The inverse of {@link requiredSampleSize}: δ = (z_(1-α/2) + z_(power)) · sqrt(ω² / n), with ω²
 * as there. Tells you before running an eval whether it can possibly resolve the difference you
 * care about (on 1,319 GSM8K questions, roughly 4 to 5 accuracy points unpaired).
 *
 * Reference: Miller, E. (2024), "Adding Error Bars to Evals", arXiv:2411.00640, §5; Bloom, H. S.
 * (1995), "Minimum detectable effects", Evaluation Review 19(5).
 *
 * @param options - `n`, and the {@link PowerOptions}
 * @returns a {@link MinimumDetectableEffectResult}
 * @throws ExptrackError `invalid_input` when n is not > 0, no sd is given, alpha or power is
 *   outside (0, 1), or the correlation is outside [-1, 1]
 *
 * @example
 * ```ts
 * import { minimumDetectableEffect } from 'exptrack/analysis';
 * minimumDetectableEffect({ n: 1319, sd: Math.sqrt(0.8 * 0.2) });
 * // { effect: 0.043637155042705995, standardError: 0.015575879955598192, varianceOfDifference: 0.32000000000000006,
 * //   alpha: 0.05, power: 0.8, method: 'unpaired, two-sided' }
 * ```
 */
export function minimumDetectableEffect(options: MinimumDetectableEffectOptions): MinimumDetectableEffectResult {
  if (typeof options !== 'object' || options === null) throw invalidInput('options', options, 'must be an object');
  const n = finite('n', options.n);
  if (!(n > 0)) throw invalidInput('n', n, 'must be > 0');
  const s = readPowerInputs(options);
  const se = Math.sqrt(s.omega2 / n);
  return {
    effect: s.zSum * se,
    standardError: se,
    varianceOfDifference: s.omega2,
    alpha: s.alpha,
    power: s.power,
    method: `${s.paired ? 'paired' : 'unpaired'}, ${s.alternative}`,
  };
}
