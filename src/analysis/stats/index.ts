/**
 * The statistics library of `exptrack/analysis`: distributions, hypothesis tests, intervals,
 * multiple-comparison corrections, effect sizes and the eval error-bar toolkit of Miller (2024).
 * Free functions, one per file; every one fails the same way on bad input (a typed
 * `ExptrackError`, never a silent `NaN`), and every randomised one takes a seed.
 * @module
 */
export type { Alternative, IntervalResult, TestOptions, TestResult, TwoSampleTestResult } from './types.js';
export { createRandom, type SeededRandom } from './random.js';

// distributions and special functions
export { normalCdf } from './normal-cdf.js';
export { normalQuantile } from './normal-quantile.js';
export { studentTCdf } from './student-t-cdf.js';
export { studentTSf } from './student-t-sf.js';
export { studentTQuantile } from './student-t-quantile.js';
export { chiSquareSf } from './chi-square-sf.js';
export { regularizedIncompleteBeta } from './regularized-incomplete-beta.js';
export { regularizedGammaP } from './regularized-gamma-p.js';
export { regularizedGammaQ } from './regularized-gamma-q.js';

// tests
export { welchTTest } from './welch-t-test.js';
export { pooledTTest } from './pooled-t-test.js';
export { oneSampleTTest } from './one-sample-t-test.js';
export { pairedTTest } from './paired-t-test.js';
export { binomialTest } from './binomial-test.js';
export { mcnemarTest, type McNemarMethod, type McNemarOptions } from './mcnemar-test.js';
export { permutationTest, type PermutationTestOptions, type PermutationTestResult } from './permutation-test.js';
export {
  bootstrapCI,
  type BootstrapCIOptions,
  type BootstrapOptions,
  type BootstrapResult,
  type BootstrapStatistic,
} from './bootstrap-ci.js';
export { pairedBootstrap, type PairedBootstrapResult } from './paired-bootstrap.js';

// intervals
export { wilsonInterval, type ProportionIntervalOptions } from './wilson-interval.js';
export { clopperPearsonInterval } from './clopper-pearson-interval.js';

// multiple comparisons
export { adjustPValues, type PValueAdjustment } from './adjust-p-values.js';

// effect sizes
export { cohensD } from './cohens-d.js';
export { hedgesG } from './hedges-g.js';
export { cohensDz } from './cohens-dz.js';
export { cohensH } from './cohens-h.js';

// error bars for evals (Miller 2024)
export { standardError, type StandardErrorOptions, type StandardErrorResult } from './standard-error.js';
export { clusteredStandardError, type ClusteredStandardErrorResult } from './clustered-standard-error.js';
export { pairedStandardError, type PairedStandardErrorResult } from './paired-standard-error.js';
export { multiSampleStandardError, type MultiSampleStandardErrorResult } from './multi-sample-standard-error.js';
export {
  requiredSampleSize,
  type PowerOptions,
  type RequiredSampleSizeOptions,
  type SampleSizeResult,
} from './required-sample-size.js';
export {
  minimumDetectableEffect,
  type MinimumDetectableEffectOptions,
  type MinimumDetectableEffectResult,
} from './minimum-detectable-effect.js';
