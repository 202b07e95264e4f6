/**
 * A trial: one suggestion of params, the values it reports while it runs, and its outcome.
 * @module
 */
import { ExptrackError, invalidInput } from '../core/errors.js';
import type { TrialState, TrialView } from './samplers/sampler.js';
import type { Choice } from './space.js';

/** What a trial needs from its sweep. Internal. */
export interface TrialHost {
  readonly sweepId: string;
  onReport(trial: Trial, value: number, step: number): void;
  shouldPrune(trial: Trial): boolean;
}

/**
 * One trial of a sweep, from `sweep.ask()`. Run your training with `trial.params`, call
 * `trial.report(value, step)` as it goes, stop early when `trial.shouldPrune()` says so, then
 * `sweep.tell(trial, value)`.
 *
 * @example
 * ```ts
 * import { Sweep, logUniform } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { lr: logUniform(1e-4, 1e-1) }, direction: 'minimize', pruner: 'median' });
 * const trial = sweep.ask();
 * let loss = 1;
 * for (let step = 0; step < 100; step++) {
 *   loss *= 1 - trial.params.lr;
 *   trial.report(loss, step);
 *   if (trial.shouldPrune()) { sweep.tell(trial, { state: 'pruned' }); break; }
 * }
 * if (trial.state === 'running') sweep.tell(trial, loss);
 * ```
 */
export class Trial<P extends Record<string, Choice> = Record<string, Choice>> implements TrialView {
  /** The trial's index in its sweep, from 0. */
  readonly number: number;
  /** The suggested params. */
  readonly params: Readonly<P>;
  private stateValue: TrialState = 'running';
  private valueOf: number | undefined;
  private errorText: string | undefined;
  private readonly reportMap = new Map<number, number>();
  /** @internal */
  experimentIdValue: string | undefined;
  /** @internal */
  crashed = false;

  /** @internal */
  constructor(
    number: number,
    params: P,
    private readonly host: TrialHost,
  ) {
    this.number = number;
    this.params = Object.freeze({ ...params });
  }

  /** `running` until told; then `completed`, `pruned` or `failed`. */
  get state(): TrialState {
    return this.stateValue;
  }

  /** The final value when completed, the last reported value when pruned, else undefined. */
  get value(): number | undefined {
    return this.valueOf;
  }

  /** Why the trial failed (the objective's error message, `objective returned NaN`, ...). */
  get error(): string | undefined {
    return this.errorText;
  }

  /** The reported values by step. */
  get reports(): ReadonlyMap<number, number> {
    return this.reportMap;
  }

  /** The tracked experiment's id, once it has been started (only with a tracker). */
  get experimentId(): string | undefined {
    return this.experimentIdValue;
  }

  /** The sweep this trial belongs to. */
  get sweepId(): string {
    return this.host.sweepId;
  }

  /**
   * Records an intermediate value (a validation loss after an epoch, say) for the pruner and the
   * tracker. A second report at the same step replaces the first.
   *
   * @param value - the objective so far; NaN is accepted (and a median pruner stops such a trial)
   * @param step - an integer >= 0 (an epoch, a training step)
   * @throws {@link ExptrackError} `invalid_input` on a bad step or a non-number value, `already_finished` after `tell`
   */
  report(value: number, step: number): void {
    if (this.stateValue !== 'running') {
      throw new ExptrackError(`trial ${this.number} is already ${this.stateValue}`, { code: 'already_finished', value: this.number });
    }
    if (typeof value !== 'number') throw invalidInput('value', value, 'must be a number');
    if (!Number.isSafeInteger(step) || step < 0) throw invalidInput('step', step, 'must be an integer >= 0');
    this.reportMap.set(step, value);
    this.host.onReport(this, value, step);
  }

  /**
   * Whether the sweep's pruner would stop this trial now, given what it and the other trials
   * reported. Always false without a pruner or before the first report.
   *
   * @returns true to stop: then `sweep.tell(trial, { state: 'pruned' })`, or return `{ state: 'pruned' }` from an objective
   */
  shouldPrune(): boolean {
    if (this.stateValue !== 'running') return false;
    return this.host.shouldPrune(this);
  }

  /** @internal Sets the outcome; the sweep calls it from `tell`. */
  settle(state: Exclude<TrialState, 'running'>, value: number | undefined, error: string | undefined): void {
    this.stateValue = state;
    this.valueOf = value;
    this.errorText = error;
  }

  /** The last reported value, if any. */
  lastReported(): number | undefined {
    let step = -1;
    let value: number | undefined;
    for (const [s, v] of this.reportMap) {
      if (s > step) {
        step = s;
        value = v;
      }
    }
    return value;
  }

  /** @internal Restores reports of a resumed trial. */
  restoreReport(step: number, value: number): void {
    this.reportMap.set(step, value);
  }
}
