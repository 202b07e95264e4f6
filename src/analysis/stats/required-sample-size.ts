import { invalidInput } from '../../core/errors.js';
import { readPowerInputs, type PowerInputs } from './internal/power.js';
import { finite } from './internal/validate.js';

/**
 * Options of {@link requiredSampleSize} and {@link minimumDetectableEffect}: how noisy a question
 * score is, the design (paired or not), and the error rates.
 *
 * @example
 * ```ts
 * import type { PowerOptions } from 'exptrack/analysis';
 * // two models on the same questions, accuracy around 0.8, scores correlated at 0.5
 * const o: PowerOptions = { sd: Math.sqrt(0.8 * 0.2), paired: true, correlation: 0.5 };
 * ```
 */
export interface PowerOptions extends PowerInputs {
  /**
   * Standard deviation of one question's score, the same for both systems (for accuracy p it is
   * sqrt(p (1 - p))). Give `sdA` and `sdB` instead when they differ. With K samples per question
   * this is the SD of the question-level true score (see `withinVariance`).
   */
  sd?: number;
  /** Standard deviation of the first system's question scores (overrides `sd`). */
  sdA?: number;
  /** Standard deviation of the second system's question scores (overrides `sd`). */
  sdB?: number;
  /**
   * Both systems are scored on the same questions and compared item by item.
   * @defaultValue false
   */
  paired?: boolean;
  /**
   * Correlation between the two systems' scores on a question (paired designs only).
   * @defaultValue 0
   */
  correlation?: number;
  /**
   * Significance level.
   * @defaultValue 0.05
   */
  alpha?: number;
  /**
   * Desired power, the probability of detecting the difference when it is real.
   * @defaultValue 0.8
   */
  power?: number;
  /**
   * Two-sided or one-sided test.
   * @defaultValue 'two-sided'
   */
  alternative?: 'two-sided' | 'one-sided';
  /**
   * Samples per question (K); the within-question variance is divided by K.
   * @defaultValue 1
   */
  samplesPerQuestion?: number;
  /**
   * Within-question variance of one sample, per system (σ²_w; see {@link multiSampleStandardError}).
   * @defaultValue 0
   */
  withinVariance?: number;
}

/**
 * Options of {@link requiredSampleSize}: {@link PowerOptions} and the difference to detect.
 *
 * @example
 * ```ts
 * import type { RequiredSampleSizeOptions } from 'exptrack/analysis';
 * const o: RequiredSampleSizeOptions = { difference: 0.03, sd: 0.4, paired: true, correlation: 0.5 };
 * ```
 */
export interface RequiredSampleSizeOptions extends PowerOptions {
  /** The difference in mean score to detect (> 0), e.g. 0.03 for three accuracy points. */
  difference: number;
}

/**
 * The result of {@link requiredSampleSize}.
 *
 * @example
 * ```ts
 * import { requiredSampleSize, type SampleSizeResult } from 'exptrack/analysis';
 * const r: SampleSizeResult = requiredSampleSize({ difference: 0.05, sd: 0.5 });
 * r.n; // 1570
 * ```
 */
export interface SampleSizeResult {
  /** Questions needed (per system, for unpaired designs), rounded up. */
  n: number;
  /** The unrounded value. */
  nExact: number;
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
 * Number of questions an eval needs to detect a given difference in mean score between two
 * systems, at significance level alpha with the given power.
 *
 * Normal-approximation power analysis (Miller §5, eq. 10):
 * n = (z_(1-α/2) + z_(power))² · ω² / δ², with ω² = sA² + sB² - 2 ρ sA sB (paired, ρ the
 * correlation of the two systems' question scores) or sA² + sB² (unpaired, each system on its own
 * n questions), plus 2 σ²_w / K when each question is sampled K times. A paired design with
 * positively correlated scores needs far fewer questions.
 *
 * Reference: Miller, E. (2024), "Adding Error Bars to Evals", arXiv:2411.00640, §5; Cohen, J.
 * (1988), *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., ch. 2.
 *
 * @param options - `difference`, and the {@link PowerOptions}
 * @returns a {@link SampleSizeResult}
 * @throws ExptrackError `invalid_input` when the difference is not > 0, no sd is given, alpha or
 *   power is outside (0, 1), or the correlation is outside [-1, 1] (or given for an unpaired design)
 *
 * @example
 * ```ts
 * import { requiredSampleSize } from 'exptrack/analysis';
 * // detect 3 accuracy points around 80%, two models on the same questions, correlation 0.5
 * requiredSampleSize({ difference: 0.03, sd: 0.4, paired: true, correlation: 0.5 });
 * // { n: 1396, nExact: 1395.3563972176173, varianceOfDifference: 0.16000000000000003, alpha: 0.05, power: 0.8,
 * //   method: 'paired, two-sided' }
 * ```
 */
export function requiredSampleSize(options: RequiredSampleSizeOptions): SampleSizeResult {
  if (typeof options !== 'object' || options === null) throw invalidInput('options', options, 'must be an object');
  const delta = finite('difference', options.difference);
  if (!(delta > 0)) throw invalidInput('difference', delta, 'must be > 0');
  const s = readPowerInputs(options);
  const nExact = (s.zSum * s.zSum * s.omega2) / (delta * delta);
  return {
    n: Math.ceil(nExact - 1e-9 * nExact),
    nExact,
    varianceOfDifference: s.omega2,
    alpha: s.alpha,
    power: s.power,
    method: `${s.paired ? 'paired' : 'unpaired'}, ${s.alternative}`,
  };
}
