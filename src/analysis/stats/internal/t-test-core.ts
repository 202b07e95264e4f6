/**
 * The part every t-test shares: statistic, p-value and interval from an estimate, its standard
 * error and the degrees of freedom.
 * @internal
 * @module
 */
import type { Alternative } from '../types.js';
import { studentTQuantileRaw, studentTSfRaw } from './distributions.js';
import { insufficient } from './validate.js';

export interface TCore {
  statistic: number;
  pValue: number;
  ci: [number, number];
}

/** p-value of a statistic with survival function `sf` (symmetric distribution) under `alternative`. */
export function symmetricPValue(statistic: number, alternative: Alternative, sf: (x: number) => number): number {
  if (alternative === 'greater') return sf(statistic);
  if (alternative === 'less') return sf(-statistic);
  return Math.min(1, 2 * sf(Math.abs(statistic)));
}

export function tCore(
  estimate: number,
  se: number,
  df: number,
  nullValue: number,
  alternative: Alternative,
  confidence: number,
): TCore {
  if (!(se > 0)) {
    throw insufficient('values', se, 'the data have zero variance, so the t statistic is undefined');
  }
  const statistic = (estimate - nullValue) / se;
  const pValue = symmetricPValue(statistic, alternative, (t) => studentTSfRaw(t, df));
  let ci: [number, number];
  if (alternative === 'two-sided') {
    const q = -studentTQuantileRaw((1 - confidence) / 2, df);
    ci = [estimate - q * se, estimate + q * se];
  } else {
    const q = -studentTQuantileRaw(1 - confidence, df);
    ci = alternative === 'greater' ? [estimate - q * se, Infinity] : [-Infinity, estimate + q * se];
  }
  return { statistic, pValue, ci };
}
