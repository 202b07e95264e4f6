/**
 * Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel Hyperparameter
 * Tuning", 2020), as in Optuna's `SuccessiveHalvingPruner`: rung k sits at step
 * `minResource * reductionFactor^(minEarlyStoppingRate + k)`; a trial reaching a rung continues only
 * if its value there is in the top `1 / reductionFactor` of every trial that reached that rung.
 * @module
 */
import { invalidInput } from '../../core/errors.js';
import type { JsonValue } from 'exptrack';
import type { TrialView } from '../samplers/sampler.js';
import { lastReport, type Pruner, type PrunerContext } from './pruner.js';

/**
 * Options of {@link AshaPruner}. The defaults are Optuna's, but for `minResource` (Optuna: estimated).
 *
 * @example
 * ```ts
 * import { AshaPruner, type AshaPrunerOptions } from 'exptrack/sweep';
 * // Rungs at epochs 1, 3, 9, 27.
 * const options: AshaPrunerOptions = { minResource: 1, reductionFactor: 3 };
 * const pruner = new AshaPruner(options);
 * ```
 */
export interface AshaPrunerOptions {
  /** The step of the first rung. @defaultValue 1 */
  minResource?: number;
  /** Keep the top 1/reductionFactor at each rung. @defaultValue 4 */
  reductionFactor?: number;
  /** Shifts every rung up by this many powers of the reduction factor. @defaultValue 0 */
  minEarlyStoppingRate?: number;
}

/** The value a trial had when it reached `resource`: its report at the first step at or after `resource`. */
function rungValue(trial: TrialView, resource: number): number | undefined {
  let step = Infinity;
  let value: number | undefined;
  for (const [s, v] of trial.reports) {
    if (s >= resource && s < step) {
      step = s;
      value = v;
    }
  }
  return value;
}

/**
 * Successive halving without synchronisation: no trial waits for others to reach a rung.
 * Decisions are final: a trial promoted past a rung is never judged at that rung again.
 *
 * @example
 * ```ts
 * import { AshaPruner, Sweep, logUniform } from 'exptrack/sweep';
 * const sweep = new Sweep({
 *   space: { lr: logUniform(1e-4, 1e-1) },
 *   direction: 'maximize',
 *   pruner: new AshaPruner({ minResource: 1, reductionFactor: 3 }),
 * });
 * ```
 */
export class AshaPruner implements Pruner {
  readonly name = 'asha';
  private readonly minResource: number;
  private readonly reductionFactor: number;
  private readonly minEarlyStoppingRate: number;
  /** Per trial: rungs passed, and whether it was stopped. */
  private readonly decided = new Map<number, { passed: number; pruned: boolean }>();

  /**
   * @param options - the first rung's step, the reduction factor and the early-stopping rate
   * @throws ExptrackError `invalid_input` on a non-positive resource or a factor below 2
   */
  constructor(options: AshaPrunerOptions = {}) {
    this.minResource = options.minResource ?? 1;
    this.reductionFactor = options.reductionFactor ?? 4;
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0;
    if (!Number.isFinite(this.minResource) || this.minResource <= 0) throw invalidInput('pruner.minResource', this.minResource, 'must be a positive number');
    if (!Number.isFinite(this.reductionFactor) || this.reductionFactor < 2) throw invalidInput('pruner.reductionFactor', this.reductionFactor, 'must be a number >= 2');
    if (!Number.isSafeInteger(this.minEarlyStoppingRate) || this.minEarlyStoppingRate < 0) {
      throw invalidInput('pruner.minEarlyStoppingRate', this.minEarlyStoppingRate, 'must be an integer >= 0');
    }
  }

  /** The step of rung `k`. */
  rungStep(k: number): number {
    return this.minResource * Math.pow(this.reductionFactor, this.minEarlyStoppingRate + k);
  }

  shouldPrune({ trial, trials, direction }: PrunerContext): boolean {
    const last = lastReport(trial);
    if (last === undefined) return false;
    const state = this.decided.get(trial.number) ?? { passed: 0, pruned: false };
    this.decided.set(trial.number, state);
    if (state.pruned) return true;
    for (let k = state.passed; ; k++) {
      const resource = this.rungStep(k);
      if (last.step < resource) return false;
      const value = rungValue(trial, resource) as number;
      if (Number.isNaN(value)) {
        state.pruned = true;
        return true;
      }
      const competing: number[] = [];
      for (const t of trials) {
        const v = t.number === trial.number ? value : rungValue(t, resource);
        if (v !== undefined && !Number.isNaN(v)) competing.push(v);
      }
      competing.sort((a, b) => (direction === 'minimize' ? a - b : b - a));
      let idx = Math.floor(competing.length / this.reductionFactor) - 1;
      if (idx < 0) idx = 0;
      const threshold = competing[idx] as number;
      const promotable = direction === 'minimize' ? value <= threshold : value >= threshold;
      if (!promotable) {
        state.pruned = true;
        return true;
      }
      state.passed = k + 1;
    }
  }

  toJSON(): JsonValue {
    return {
      name: this.name,
      minResource: this.minResource,
      reductionFactor: this.reductionFactor,
      minEarlyStoppingRate: this.minEarlyStoppingRate,
    };
  }
}
