import { minimumDetectableEffect, normalQuantile, pairedStandardError, standardError, wilsonInterval } from '../stats/index.js';
import type { ItemScores } from './item-scores.js';

/** The two-sided normal critical value of a confidence level (1.959963984540054 for 0.95). */
export function zCritical(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** score ± z·SE. */
export function normalInterval(score: number, se: number, confidence: number): [number, number] {
  const half = zCritical(confidence) * se;
  return [score - half, score + half];
}

/** Miller's CLT standard error of a mean over items. */
export function cltStandardError(values: readonly number[]): number {
  return standardError(values).standardError;
}

/**
 * Error bars of a mean over items (Miller 2024, §2): the CLT standard error over the item scores
 * (attempts already averaged per item, §3), and the Wilson interval when every item scored 0 or 1,
 * else the normal interval around `center`. Undefined with fewer than two items.
 */
export function itemUncertainty(items: ItemScores, center: number, confidence: number): { standardError: number; ci: [number, number] } | undefined {
  const n = items.scores.length;
  if (n < 2) return undefined;
  const se = cltStandardError(items.scores);
  if (items.binary) {
    const k = items.scores.reduce((a, b) => a + b, 0);
    const interval = wilsonInterval(Math.round(k), n, { confidence });
    return { standardError: se, ci: [interval.lower, interval.upper] };
  }
  return { standardError: se, ci: normalInterval(center, se, confidence) };
}

/** The paired difference mean(x) - mean(y) over shared items, with Miller's paired SE and the correlation. */
export function pairedUncertainty(x: readonly number[], y: readonly number[]): { difference: number; standardError: number; correlation: number | null; sdX: number; sdY: number } {
  const result = pairedStandardError(x, y);
  const root = Math.sqrt(x.length);
  return { difference: result.estimate, standardError: result.standardError, correlation: result.correlation, sdX: cltStandardError(x) * root, sdY: cltStandardError(y) * root };
}

/** What the minimum detectable effect is computed from. */
export type DetectableEffectDesign =
  | { paired: true; n: number; sdA: number; sdB: number; correlation: number | null }
  /** Two independent scores with these standard errors (ω²/n = seA² + seB², so n = 1 with sd = the SE). */
  | { paired: false; seA: number; seB: number };

/**
 * The minimum detectable effect of a design (Miller 2024, §5), or null when the difference has
 * no variance (two runs that agree on every item: nothing can be detected or missed).
 */
export function detectableEffect(design: DetectableEffectDesign, alpha: number, power: number): number | null {
  const variance = design.paired
    ? design.sdA ** 2 + design.sdB ** 2 - 2 * (design.correlation ?? 0) * design.sdA * design.sdB
    : design.seA ** 2 + design.seB ** 2;
  if (!(variance > 1e-300)) return null;
  const result = design.paired
    ? minimumDetectableEffect({ n: design.n, sdA: design.sdA, sdB: design.sdB, paired: true, correlation: clamp(design.correlation ?? 0), alpha, power })
    : minimumDetectableEffect({ n: 1, sdA: design.seA, sdB: design.seB, alpha, power });
  return result.effect;
}

function clamp(r: number): number {
  return Math.max(-1, Math.min(1, r));
}
