/**
 * The pruner contract: given a running trial's reported values and the other trials of the sweep,
 * decide whether to stop it early.
 * @module
 */
import type { JsonValue } from 'exptrack';
import type { Direction, TrialView } from '../samplers/sampler.js';

/**
 * What a pruner sees when `trial.shouldPrune()` is called.
 *
 * @example
 * ```ts
 * import type { PrunerContext } from 'exptrack/sweep';
 * const othersRunning = ({ trial, trials }: PrunerContext) => trials.filter((t) => t.state === 'running' && t !== trial).length;
 * ```
 */
export interface PrunerContext {
  /** The trial asking, with its reports so far. */
  readonly trial: TrialView;
  /** Every trial of the sweep, in any state, the asking one included. */
  readonly trials: readonly TrialView[];
  readonly direction: Direction;
}

/**
 * Decides whether a running trial should stop. Implement it for a custom rule, or use
 * {@link MedianPruner} or {@link AshaPruner}.
 *
 * @example
 * ```ts
 * import type { Pruner } from 'exptrack/sweep';
 * // Stop any trial whose reported loss exceeds 10.
 * const threshold: Pruner = {
 *   name: 'threshold',
 *   shouldPrune: ({ trial }) => [...trial.reports.values()].some((v) => v > 10),
 * };
 * ```
 */
export interface Pruner {
  readonly name: string;
  shouldPrune(context: PrunerContext): boolean;
  /** Its settings, stored with a tracked sweep's definition. */
  toJSON?(): JsonValue;
}

/** The last (highest) reported step of a trial and its value, or undefined without reports. */
export function lastReport(trial: TrialView): { step: number; value: number } | undefined {
  let step = -1;
  let value = NaN;
  for (const [s, v] of trial.reports) {
    if (s > step) {
      step = s;
      value = v;
    }
  }
  return step < 0 ? undefined : { step, value };
}
