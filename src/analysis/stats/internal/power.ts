/**
 * Shared reading of the power-analysis options: the variance of one question's score difference.
 * @internal
 * @module
 */
import { invalidInput } from '../../../core/errors.js';
import { normalQuantileStd } from './distributions.js';
import { finite, integer, oneOf, probability } from './validate.js';

/**
 * The inputs that describe the score distributions, shared by {@link requiredSampleSize} and
 * {@link minimumDetectableEffect}.
 */
export interface PowerInputs {
  sd?: number;
  sdA?: number;
  sdB?: number;
  paired?: boolean;
  correlation?: number;
  alpha?: number;
  power?: number;
  alternative?: 'two-sided' | 'one-sided';
  samplesPerQuestion?: number;
  withinVariance?: number;
}

export interface PowerSetup {
  omega2: number;
  zSum: number;
  alpha: number;
  power: number;
  paired: boolean;
  alternative: 'two-sided' | 'one-sided';
}

export function readPowerInputs(o: PowerInputs): PowerSetup {
  const nonNegative = (field: string, v: number | undefined): number | undefined => {
    if (v === undefined) return undefined;
    finite(field, v);
    if (v < 0) throw invalidInput(field, v, 'must be >= 0');
    return v;
  };
  const sd = nonNegative('sd', o.sd);
  const sdA = nonNegative('sdA', o.sdA) ?? sd;
  const sdB = nonNegative('sdB', o.sdB) ?? sd;
  if (sdA === undefined || sdB === undefined) {
    throw invalidInput('sd', o.sd, 'must be given (or both sdA and sdB): the standard deviation of a question score');
  }
  const paired = o.paired === true;
  const rho = o.correlation === undefined ? 0 : finite('correlation', o.correlation);
  if (rho < -1 || rho > 1) throw invalidInput('correlation', rho, 'must be in [-1, 1]');
  if (!paired && o.correlation !== undefined && rho !== 0) {
    throw invalidInput('correlation', rho, 'only applies to paired designs (set paired: true)');
  }
  const alpha = o.alpha === undefined ? 0.05 : probability('alpha', o.alpha, true);
  const power = o.power === undefined ? 0.8 : probability('power', o.power, true);
  const alternative = o.alternative === undefined ? 'two-sided' : oneOf('alternative', o.alternative, ['two-sided', 'one-sided'] as const);
  const k = o.samplesPerQuestion === undefined ? 1 : integer('samplesPerQuestion', o.samplesPerQuestion, 1);
  const within = nonNegative('withinVariance', o.withinVariance) ?? 0;
  // variance of one question's score difference (Miller eq. 9-10)
  let omega2 = sdA * sdA + sdB * sdB - (paired ? 2 * rho * sdA * sdB : 0) + (2 * within) / k;
  if (omega2 < 0) omega2 = 0;
  if (!(omega2 > 0)) throw invalidInput('sd', sdA, 'gives a zero variance of the score difference; nothing to detect');
  const zAlpha = -normalQuantileStd(alternative === 'two-sided' ? alpha / 2 : alpha);
  const zBeta = -normalQuantileStd(1 - power);
  return { omega2, zSum: zAlpha + zBeta, alpha, power, paired, alternative };
}
