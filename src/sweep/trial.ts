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

/** The mutable state of a trial, kept out of its public type. */
interface TrialInternals {
  state: TrialState;
  value: number | undefined;
  error: string | undefined;
  experimentId: string | undefined;
  /** Restored from a store as running: the process died with it. */
  crashed: boolean;
  readonly reports: Map<number, number>;
  readonly host: TrialHost;
}

const internals = new WeakMap<Trial, TrialInternals>();
/** Proves a trial is made by {@link createTrial}, not by `new Trial` in user code. */
const TOKEN: unique symbol = Symbol('exptrack.sweep.trial');

function stateOf(trial: Trial): TrialInternals {
  return internals.get(trial) as TrialInternals;
}

/**
 * Creates a running trial. Internal: trials come from `sweep.ask()`.
 */
export function createTrial<P extends Record<string, Choice>>(number: number, params: P, host: TrialHost): Trial<P> {
  const trial = new Trial<P>(number, params, TOKEN);
  internals.set(trial as unknown as Trial, { state: 'running', value: undefined, error: undefined, experimentId: undefined, crashed: false, reports: new Map(), host });
  return trial;
}

/** Sets a trial's outcome. Internal: the sweep calls it from `tell` and when resuming. */
export function settleTrial(trial: Trial, state: Exclude<TrialState, 'running'>, value: number | undefined, error: string | undefined, crashed = false): void {
  const s = stateOf(trial);
  s.state = state;
  s.value = value;
  s.error = error;
  s.crashed = crashed;
}

/** Records the tracked experiment of a trial. Internal. */
export function setTrialExperimentId(trial: Trial, id: string): void {
  stateOf(trial).experimentId = id;
}

/** Restores a report of a resumed trial without telling the tracker. Internal. */
export function restoreTrialReport(trial: Trial, step: number, value: number): void {
  stateOf(trial).reports.set(step, value);
}

/** Whether a trial was found running when its sweep was resumed. Internal. */
export function isCrashed(trial: Trial): boolean {
  return stateOf(trial).crashed;
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

  /** @internal Trials come from `sweep.ask()`. */
  constructor(number: number, params: P, token: symbol) {
    if (token !== TOKEN) throw new ExptrackError('trials come from sweep.ask(); they cannot be constructed', { code: 'unsupported' });
    this.number = number;
    this.params = Object.freeze({ ...params });
  }

  /** `running` until told; then `completed`, `pruned` or `failed`. */
  get state(): TrialState {
    return stateOf(this as Trial).state;
  }

  /** The final value when completed, the last reported value when pruned, else undefined. */
  get value(): number | undefined {
    return stateOf(this as Trial).value;
  }

  /** Why the trial failed (the objective's error message, `objective returned NaN`, ...). */
  get error(): string | undefined {
    return stateOf(this as Trial).error;
  }

  /** The reported values by step. */
  get reports(): ReadonlyMap<number, number> {
    return stateOf(this as Trial).reports;
  }

  /** The tracked experiment's id, once it has been started (only with a tracker). */
  get experimentId(): string | undefined {
    return stateOf(this as Trial).experimentId;
  }

  /** The id of the sweep this trial belongs to. */
  get sweepId(): string {
    return stateOf(this as Trial).host.sweepId;
  }

  /**
   * Records an intermediate value (a validation loss after an epoch, say) for the pruner and the
   * tracker. A second report at the same step replaces the first.
   *
   * @param value - the objective so far; NaN is accepted (and a median pruner stops such a trial)
   * @param step - a non-negative integer (an epoch, a training step)
   * @throws ExptrackError `invalid_input` on a bad step or a non-number value, `already_finished` after `tell`
   */
  report(value: number, step: number): void {
    const s = stateOf(this as Trial);
    if (s.state !== 'running') {
      throw new ExptrackError(`trial ${this.number} is already ${s.state}`, { code: 'already_finished', value: this.number });
    }
    if (typeof value !== 'number') throw invalidInput('value', value, 'must be a number');
    if (!Number.isSafeInteger(step) || step < 0) throw invalidInput('step', step, 'must be an integer >= 0');
    s.reports.set(step, value);
    s.host.onReport(this as Trial, value, step);
  }

  /**
   * Whether the sweep's pruner would stop this trial now, given what it and the other trials
   * reported. Always false without a pruner, before the first report, and once finished.
   *
   * @returns true to stop: then `sweep.tell(trial, { state: 'pruned' })`, or return `{ state: 'pruned' }` from an objective
   */
  shouldPrune(): boolean {
    const s = stateOf(this as Trial);
    if (s.state !== 'running') return false;
    return s.host.shouldPrune(this as Trial);
  }

  /**
   * The value reported at the highest step, if any: what a pruned trial is stored with.
   *
   * @returns the last reported value, or undefined before the first report
   */
  lastReported(): number | undefined {
    let step = -1;
    let value: number | undefined;
    for (const [st, v] of this.reports) {
      if (st > step) {
        step = st;
        value = v;
      }
    }
    return value;
  }
}
