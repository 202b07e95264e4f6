/**
 * Median stopping, as in Optuna's `MedianPruner` and Google Vizier: stop a trial whose best value so
 * far is worse than the median of the completed trials' values at the same step.
 * @module
 */
import { invalidInput } from '../../core/errors.js';
import type { JsonValue } from 'exptrack';
import { lastReport, type Pruner, type PrunerContext } from './pruner.js';

/**
 * Options of {@link MedianPruner}. The defaults are Optuna's.
 *
 * @example
 * ```ts
 * import { MedianPruner, type MedianPrunerOptions } from 'exptrack/sweep';
 * const options: MedianPrunerOptions = { startupTrials: 10, warmupSteps: 3 };
 * const pruner = new MedianPruner(options);
 * ```
 */
export interface MedianPrunerOptions {
  /** No pruning until this many trials completed. @defaultValue 5 */
  startupTrials?: number;
  /** No pruning of a trial before this step. @defaultValue 0 */
  warmupSteps?: number;
  /** Check only once per this many steps (after the warm-up). @defaultValue 1 */
  intervalSteps?: number;
  /** No pruning at a step fewer than this many completed trials reported. @defaultValue 1 */
  minTrials?: number;
}

function checkInt(field: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw invalidInput(field, value, `must be an integer >= ${min}`);
  return value;
}

/** The q-th percentile (0-100) of sorted values, linearly interpolated (numpy's default). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Stops a trial when its best reported value is worse than the median, at its latest step, of the
 * completed trials that reported at that step. A trial whose every report is NaN is stopped.
 *
 * @example
 * ```ts
 * import { MedianPruner, Sweep, logUniform } from 'exptrack/sweep';
 * const sweep = new Sweep({
 *   space: { lr: logUniform(1e-4, 1e-1) },
 *   direction: 'minimize',
 *   pruner: new MedianPruner({ startupTrials: 5, warmupSteps: 10 }),
 * });
 * ```
 */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  private readonly startupTrials: number;
  private readonly warmupSteps: number;
  private readonly intervalSteps: number;
  private readonly minTrials: number;

  /**
   * @param options - start-up trials, warm-up steps, interval and minimum trials
   * @throws ExptrackError `invalid_input` on a negative or fractional count
   */
  constructor(options: MedianPrunerOptions = {}) {
    this.startupTrials = checkInt('pruner.startupTrials', options.startupTrials ?? 5, 0);
    this.warmupSteps = checkInt('pruner.warmupSteps', options.warmupSteps ?? 0, 0);
    this.intervalSteps = checkInt('pruner.intervalSteps', options.intervalSteps ?? 1, 1);
    this.minTrials = checkInt('pruner.minTrials', options.minTrials ?? 1, 1);
  }

  shouldPrune({ trial, trials, direction }: PrunerContext): boolean {
    const last = lastReport(trial);
    if (last === undefined) return false;
    const completed = trials.filter((t) => t.state === 'completed' && t.number !== trial.number);
    if (completed.length < this.startupTrials) return false;
    if (last.step < this.warmupSteps) return false;
    if (this.intervalSteps > 1) {
      // Check only at the first report in each interval.
      const boundary = Math.floor((last.step - this.warmupSteps) / this.intervalSteps) * this.intervalSteps + this.warmupSteps;
      const previous = [...trial.reports.keys()].filter((s) => s < last.step);
      const before = previous.length === 0 ? -Infinity : Math.max(...previous);
      if (before >= boundary) return false;
    }
    let best = NaN;
    for (const v of trial.reports.values()) {
      if (Number.isNaN(v)) continue;
      if (Number.isNaN(best) || (direction === 'minimize' ? v < best : v > best)) best = v;
    }
    if (Number.isNaN(best)) return true;
    const atStep: number[] = [];
    for (const t of completed) {
      const v = t.reports.get(last.step);
      if (v !== undefined && !Number.isNaN(v)) atStep.push(v);
    }
    if (atStep.length < this.minTrials) return false;
    atStep.sort((a, b) => a - b);
    const median = percentile(atStep, 50);
    return direction === 'minimize' ? best > median : best < median;
  }

  toJSON(): JsonValue {
    return {
      name: this.name,
      startupTrials: this.startupTrials,
      warmupSteps: this.warmupSteps,
      intervalSteps: this.intervalSteps,
      minTrials: this.minTrials,
    };
  }
}
