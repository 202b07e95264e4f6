/**
 * The `Sweep`: an ask/tell optimiser over a search space with a sampler, an optional pruner, an
 * optional tracker that records every trial as an experiment, and `optimize` to run an objective
 * with bounded concurrency.
 * @module
 */
import { ExptrackError, describeValue, invalidInput } from '../core/errors.js';
import type { Experiment, JsonValue } from 'exptrack';
import { AshaPruner } from './pruners/asha.js';
import { MedianPruner } from './pruners/median.js';
import type { Pruner } from './pruners/pruner.js';
import { Prng, hashSeed } from './random.js';
import { GridSampler, paramsKey } from './samplers/grid.js';
import { RandomSampler } from './samplers/random.js';
import type { Direction, Sampler, SamplerContext } from './samplers/sampler.js';
import { TpeSampler, type TpeOptions } from './samplers/tpe/sampler.js';
import {
  dimensionContains,
  normalizeSpace,
  searchSpaceFromJson,
  searchSpaceToJson,
  type Choice,
  type Dimension,
  type ParamsOf,
  type SearchSpace,
} from './space.js';
import { TrackingLanes, type SweepStore, type SweepTrackerSource, type TrialRecording } from './tracking.js';
import { Trial, createTrial, isCrashed, restoreTrialReport, setTrialExperimentId, settleTrial, type TrialHost } from './trial.js';

/**
 * The sampler names `new Sweep({ sampler })` accepts.
 *
 * @example
 * ```ts
 * import { Sweep, uniform, type SamplerName } from 'exptrack/sweep';
 * const sampler: SamplerName = 'random';
 * const baseline = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', sampler });
 * ```
 */
export type SamplerName = 'tpe' | 'random' | 'grid';

/**
 * Options of {@link Sweep}.
 *
 * @example
 * ```ts
 * import { Sweep, choice, intRange, logUniform } from 'exptrack/sweep';
 * const sweep = new Sweep({
 *   space: { lr: logUniform(1e-4, 1e-1), hidden: intRange(8, 128, { log: true }), act: choice(['relu', 'tanh']) },
 *   direction: 'maximize',
 *   sampler: 'tpe',
 *   multivariate: true,
 *   seed: 7,
 *   pruner: 'median',
 * });
 * ```
 */
export interface SweepOptions<S extends SearchSpace> {
  /** The parameters and their dimensions. */
  space: S;
  /** Whether lower or higher values are better. */
  direction: Direction;
  /** @defaultValue 'tpe' */
  sampler?: SamplerName;
  /** TPE only: model the parameters jointly rather than one at a time. @defaultValue false */
  multivariate?: boolean;
  /** TPE tuning; the defaults are Optuna's. */
  tpe?: TpeOptions;
  /** Makes suggestions reproducible: the same seed and results give the same params. @defaultValue a random seed (see `sweep.seed`) */
  seed?: number;
  /** Stops unpromising trials: `'median'`, `'asha'`, or a {@link Pruner}. @defaultValue none */
  pruner?: Pruner | 'median' | 'asha';
  /** Records every trial as an experiment in the group `sweep_<id>`. */
  tracker?: SweepTrackerSource;
  /** Where a resumed sweep reads its trials back (a readable backend). */
  store?: SweepStore;
  /** Continue the sweep with this id from `store`; `await sweep.ready()` (or `optimize`) loads it. */
  resume?: string;
  /** The sweep's id (letters, digits, `_`, `-`). @defaultValue a time-sortable random id */
  id?: string;
  /** The metric and summary key the objective is recorded under. @defaultValue 'objective' */
  metric?: string;
  /** Receives tracking failures; by default they are collected and `flush()` throws them. */
  onTrackingError?: (error: unknown, trial: Trial) => void;
}

/**
 * What `tell` and an objective may give instead of a plain value.
 *
 * @example
 * ```ts
 * import { Sweep, uniform, type TellResult } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize' });
 * const outOfMemory: TellResult = { state: 'failed', error: new Error('CUDA out of memory') };
 * sweep.tell(sweep.ask(), outOfMemory);
 * ```
 */
export type TellResult =
  | { state: 'completed'; value: number }
  | { state: 'pruned' }
  | { state: 'failed'; error?: unknown };

/**
 * The function `optimize` runs per trial: train with `params`, report through `trial`, and return
 * the objective (or `{ state: 'pruned' }`). A throw or NaN makes the trial failed.
 *
 * @example
 * ```ts
 * import { Sweep, uniform, type Objective } from 'exptrack/sweep';
 * const space = { x: uniform(-1, 1) };
 * const objective: Objective<typeof space> = async ({ x }) => x * x;
 * await new Sweep({ space, direction: 'minimize' }).optimize(objective, { trials: 20 });
 * ```
 */
export type Objective<S extends SearchSpace> = (
  params: ParamsOf<S>,
  trial: Trial<ParamsOf<S>>,
) => number | TellResult | Promise<number | TellResult>;

/**
 * Options of `sweep.optimize`.
 *
 * @example
 * ```ts
 * import type { OptimizeOptions } from 'exptrack/sweep';
 * const controller = new AbortController();
 * process.once('SIGINT', () => controller.abort());
 * const options: OptimizeOptions = { trials: 100, concurrency: 4, signal: controller.signal };
 * ```
 */
export interface OptimizeOptions {
  /** Stop once the sweep holds this many finished trials (resumed ones count). Required unless the sampler is grid. */
  trials?: number;
  /** How many objectives run at once. @defaultValue 1 */
  concurrency?: number;
  /** Stops asking for new trials when aborted; running ones finish. */
  signal?: AbortSignal;
}

/**
 * What `sweep.optimize` returns.
 *
 * @example
 * ```ts
 * import { Sweep, uniform } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { x: uniform(-1, 1) }, direction: 'minimize' });
 * const { best, completed, failed } = await sweep.optimize(({ x }) => x * x, { trials: 20 });
 * ```
 */
export interface OptimizeResult<S extends SearchSpace> {
  /** The best completed trial, if any. */
  best: Trial<ParamsOf<S>> | undefined;
  /** Trials finished by this call. */
  ran: number;
  completed: number;
  pruned: number;
  failed: number;
  /** Whether the signal stopped it. */
  aborted: boolean;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

function makeId(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  const rand = Math.floor(Math.random() * 0x1000000).toString(16).padStart(6, '0');
  return `${stamp}_${rand}`;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (error === undefined) return 'failed';
  return typeof error === 'string' ? error : describeValue(error);
}

/** The tag keys a tracked trial carries. */
const TAG_ID = 'sweep_id';
const TAG_TRIAL = 'sweep_trial';
const TAG_STATE = 'sweep_state';
const TAG_ERROR = 'sweep_error';
/** The exact value as text, so ±Infinity (null in the JSON summary) survives a resume. */
const TAG_VALUE = 'sweep_value';
/** The summary key of the stored definition. */
const SUMMARY_DEFINITION = 'sweep';

/**
 * A hyperparameter sweep: ask for a trial, run it, tell the result; the sampler learns from every
 * result. Works in memory with no tracker; with one, every trial is an experiment in the group
 * `sweep_<id>` and the sweep can be resumed after a crash.
 *
 * @example
 * ```ts
 * import { Sweep, uniform } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { x: uniform(-5, 5), y: uniform(-5, 5) }, direction: 'minimize', seed: 1 });
 * for (let i = 0; i < 50; i++) {
 *   const trial = sweep.ask();
 *   const { x, y } = trial.params;
 *   sweep.tell(trial, (x - 1) ** 2 + (y + 2) ** 2);
 * }
 * sweep.best?.params; // close to { x: 1, y: -2 }
 * ```
 */
export class Sweep<S extends SearchSpace> {
  /** The sweep's id; its trials are experiments in the group `sweep_<id>`. */
  readonly id: string;
  /** Whether lower or higher values are better. */
  readonly direction: Direction;
  /** The validated search space, its names sorted. */
  readonly space: S;
  /** The sampler in use. */
  readonly samplerName: SamplerName;
  /** Whether the TPE models the parameters jointly. */
  readonly multivariate: boolean;
  /** The metric and summary key of the objective. */
  readonly metric: string;
  private readonly names: readonly string[];
  private sampler: Sampler;
  private seedValue: number;
  private readonly seedGiven: boolean;
  private readonly pruner: Pruner | undefined;
  private readonly trialList: Trial<ParamsOf<S>>[] = [];
  private readonly owned = new WeakSet<object>();
  private readonly queue: ParamsOf<S>[] = [];
  private readonly lanes: TrackingLanes | undefined;
  private readonly recordings = new Map<Trial<ParamsOf<S>>, TrialRecording>();
  private readonly trackingErrors: unknown[] = [];
  private readonly onTrackingError: ((error: unknown, trial: Trial) => void) | undefined;
  private readonly store: SweepStore | undefined;
  private readonly resumeId: string | undefined;
  private readonly tpeOptions: TpeOptions;
  private loading: Promise<void> | undefined;
  private loaded: boolean;
  private nextNumber = 0;
  private readonly host: TrialHost;

  /**
   * @param options - the space, direction, sampler, seed, pruner, tracker and resume settings
   * @throws ExptrackError `invalid_input` on a malformed space or option, or a grid sweep over a continuous dimension without `values`
   */
  constructor(options: SweepOptions<S>) {
    if (typeof options !== 'object' || options === null) throw invalidInput('options', options, 'must be an object');
    this.space = normalizeSpace(options.space);
    this.names = Object.keys(this.space);
    if (options.direction !== 'minimize' && options.direction !== 'maximize') {
      throw invalidInput('direction', options.direction, "must be 'minimize' or 'maximize'");
    }
    this.direction = options.direction;
    const samplerName = options.sampler ?? 'tpe';
    if (samplerName !== 'tpe' && samplerName !== 'random' && samplerName !== 'grid') {
      throw invalidInput('sampler', samplerName, "must be 'tpe', 'random' or 'grid'");
    }
    this.samplerName = samplerName;
    this.multivariate = options.multivariate ?? false;
    if (typeof this.multivariate !== 'boolean') throw invalidInput('multivariate', options.multivariate, 'must be a boolean');
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) throw invalidInput('seed', options.seed, 'must be an integer');
    this.seedGiven = options.seed !== undefined;
    this.seedValue = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
    if (options.resume !== undefined && !ID_PATTERN.test(options.resume)) throw invalidInput('resume', options.resume, 'must be a sweep id');
    if (options.id !== undefined && !ID_PATTERN.test(options.id)) throw invalidInput('id', options.id, 'must be 1-100 letters, digits, _ or -');
    if (options.resume !== undefined && options.id !== undefined && options.resume !== options.id) {
      throw invalidInput('id', options.id, `must match resume (${options.resume})`);
    }
    this.id = options.resume ?? options.id ?? makeId();
    this.metric = options.metric ?? 'objective';
    if (typeof this.metric !== 'string' || this.metric.length === 0 || this.metric.length > 250 || this.metric === SUMMARY_DEFINITION) {
      throw invalidInput('metric', options.metric, `must be a name of 1 to 250 characters other than '${SUMMARY_DEFINITION}'`);
    }
    this.tpeOptions = options.tpe ?? {};
    this.sampler = this.makeSampler();
    const pruner = options.pruner;
    this.pruner = pruner === 'median' ? new MedianPruner() : pruner === 'asha' ? new AshaPruner() : pruner;
    if (this.pruner !== undefined && (typeof this.pruner !== 'object' || typeof this.pruner.shouldPrune !== 'function')) {
      throw invalidInput('pruner', pruner, "must be 'median', 'asha' or an object with shouldPrune()");
    }
    if (options.tracker !== undefined && typeof options.tracker !== 'function' && typeof options.tracker?.startExperiment !== 'function') {
      throw invalidInput('tracker', options.tracker, 'must be a tracker or a function returning one');
    }
    this.lanes = options.tracker === undefined ? undefined : new TrackingLanes(options.tracker);
    this.onTrackingError = options.onTrackingError;
    this.store = options.store;
    this.resumeId = options.resume;
    if (this.resumeId !== undefined && (this.store === undefined || typeof this.store.getAllExperiments !== 'function')) {
      throw invalidInput('store', this.store, 'is required to resume (a readable backend with getAllExperiments)');
    }
    this.loaded = this.resumeId === undefined;
    this.host = {
      sweepId: this.id,
      onReport: (trial, value, step) => this.recordingOf(trial)?.enqueue((t) => t.logMetrics({ [this.metric]: value }, step)),
      shouldPrune: (trial) =>
        this.pruner !== undefined && this.pruner.shouldPrune({ trial, trials: this.trialList, direction: this.direction }),
    };
  }

  private makeSampler(): Sampler {
    if (this.samplerName === 'grid') return new GridSampler(this.space, this.names, this.seedValue);
    if (this.samplerName === 'random') return new RandomSampler();
    return new TpeSampler(this.tpeOptions, this.multivariate);
  }

  /** The seed in use (drawn at random when none was given; a resume adopts the stored one). */
  get seed(): number {
    return this.seedValue;
  }

  /** The stored definition: what a resume checks and reuses. */
  get definition(): Record<string, JsonValue> {
    return {
      version: 1,
      id: this.id,
      direction: this.direction,
      sampler: this.samplerName,
      multivariate: this.multivariate,
      seed: this.seed,
      metric: this.metric,
      space: searchSpaceToJson(this.space),
      pruner: this.pruner === undefined ? null : (this.pruner.toJSON?.() ?? this.pruner.name),
    };
  }

  /** The group every trial's experiment belongs to. */
  get group(): string {
    return `sweep_${this.id}`;
  }

  /** Every trial so far, in the order asked. */
  get trials(): readonly Trial<ParamsOf<S>>[] {
    return this.trialList;
  }

  /** The best completed trial so far (ties: the earliest), or undefined. NaN and failed trials never count. */
  get best(): Trial<ParamsOf<S>> | undefined {
    let best: Trial<ParamsOf<S>> | undefined;
    for (const t of this.trialList) {
      if (t.state !== 'completed' || t.value === undefined) continue;
      if (best === undefined || (this.direction === 'minimize' ? t.value < (best.value as number) : t.value > (best.value as number))) best = t;
    }
    return best;
  }

  /** How many more trials the sampler can suggest: Infinity but for a grid. */
  get remaining(): number {
    const fromSampler = this.sampler.remaining({ space: this.space, names: this.names, direction: this.direction, trials: this.trialList });
    return fromSampler + this.queue.length;
  }

  /**
   * Resolves when a resumed sweep has read its trials back; at once otherwise. `optimize` calls it.
   *
   * @throws ExptrackError `not_found` when the store holds no trial of the sweep, `invalid_input` when the stored definition differs from the options
   */
  ready(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.load().then(() => {
      this.loaded = true;
    });
    return this.loading;
  }

  /**
   * Queues params to be tried next, before the sampler's own suggestions (a known good setting, a
   * baseline).
   *
   * @param params - a value for every parameter of the space
   * @throws ExptrackError `invalid_input` when a value is missing or outside its dimension
   */
  enqueue(params: ParamsOf<S>): void {
    this.queue.push(this.checkParams(params));
  }

  private checkParams(params: unknown): ParamsOf<S> {
    if (typeof params !== 'object' || params === null) throw invalidInput('params', params, 'must be an object');
    const out: Record<string, Choice> = {};
    for (const name of this.names) {
      const value = (params as Record<string, unknown>)[name];
      if (!dimensionContains(this.space[name] as Dimension, value)) throw invalidInput(`params.${name}`, value, 'is not a value of its dimension');
      out[name] = value as Choice;
    }
    return out as ParamsOf<S>;
  }

  /**
   * Starts a trial with suggested params.
   *
   * @returns the running trial
   * @throws ExptrackError `already_finished` when a grid has no point left, `not_started` when a resumed sweep was not loaded (`await sweep.ready()`)
   */
  ask(): Trial<ParamsOf<S>> {
    if (!this.loaded) {
      throw new ExptrackError(`sweep ${this.id} is being resumed: await sweep.ready() before ask()`, { code: 'not_started', value: this.id });
    }
    let params = this.queue.shift();
    const number = this.nextNumber++;
    if (params === undefined) {
      const base = { space: this.space, names: this.names, direction: this.direction, trials: this.trialList };
      if (this.sampler.remaining(base) <= 0) {
        this.nextNumber--;
        throw new ExptrackError(`the ${this.samplerName} sampler of sweep ${this.id} has no point left`, { code: 'already_finished', value: this.id });
      }
      params = this.suggest(base, number);
    }
    const trial = createTrial<ParamsOf<S>>(number, params, this.host);
    this.owned.add(trial);
    this.trialList.push(trial);
    this.beginRecording(trial);
    return trial;
  }

  /**
   * The sampler's suggestion for trial `number`, drawn from a stream seeded by the sweep's seed and
   * the number. Should it equal the params of a running trial (possible on small discrete spaces),
   * it is drawn again from the next stream, up to 16 times, so trials that run at once differ.
   */
  private suggest(base: Omit<SamplerContext, 'rng' | 'number'>, number: number): ParamsOf<S> {
    const running = new Set<string>();
    for (const t of this.trialList) if (t.state === 'running') running.add(paramsKey(this.names, t.params));
    let params: ParamsOf<S> | undefined;
    for (let attempt = 0; attempt < 16; attempt++) {
      const rng = new Prng(attempt === 0 ? hashSeed(this.seed, number) : hashSeed(this.seed, number, attempt));
      params = this.sampler.sample({ ...base, number, rng }) as ParamsOf<S>;
      if (!running.has(paramsKey(this.names, params))) break;
    }
    return params as ParamsOf<S>;
  }

  /**
   * Records a trial's result. A number completes it (NaN fails it); `{ state: 'pruned' }` stores it
   * as pruned with its last reported value; `{ state: 'failed', error }` as failed.
   *
   * @param trial - a running trial of this sweep
   * @param result - the objective value, or a state
   * @returns the finished trial
   * @throws ExptrackError `already_finished` when told twice, `invalid_input` for a trial of another sweep or a malformed result
   */
  tell(trial: Trial<ParamsOf<S>>, result: number | TellResult): Trial<ParamsOf<S>> {
    if (!this.owned.has(trial)) throw invalidInput('trial', trial?.number, `is not a trial of sweep ${this.id}`);
    if (trial.state !== 'running') {
      throw new ExptrackError(`trial ${trial.number} is already ${trial.state}`, { code: 'already_finished', value: trial.number });
    }
    const outcome = this.interpret(result);
    settleTrial(trial as unknown as Trial, outcome.state, outcome.state === 'pruned' ? trial.lastReported() : outcome.value, outcome.error);
    this.endRecording(trial);
    return trial;
  }

  private interpret(result: unknown): { state: 'completed' | 'pruned' | 'failed'; value: number | undefined; error: string | undefined } {
    if (typeof result === 'number') {
      if (Number.isNaN(result)) return { state: 'failed', value: undefined, error: 'objective returned NaN' };
      return { state: 'completed', value: result, error: undefined };
    }
    if (typeof result === 'object' && result !== null) {
      const r = result as Record<string, unknown>;
      if (r['state'] === 'pruned') return { state: 'pruned', value: undefined, error: undefined };
      if (r['state'] === 'failed') return { state: 'failed', value: undefined, error: errorMessage(r['error']) };
      if (r['state'] === 'completed' && typeof r['value'] === 'number') return this.interpret(r['value']);
    }
    throw invalidInput('result', result, "must be a number, { state: 'completed', value }, { state: 'pruned' } or { state: 'failed' }");
  }

  /**
   * Runs `objective` on suggested params until the sweep holds `trials` finished trials (or the
   * grid is exhausted, or `signal` aborts), `concurrency` at a time. A throwing objective or a NaN
   * fails its trial and the sweep goes on. Waits for the tracker to write everything before it resolves.
   *
   * @param objective - trains with the params and returns the objective (or `{ state: 'pruned' }`)
   * @param options - `trials`, `concurrency`, `signal`
   * @returns the best trial and counts of this call's trials
   * @throws ExptrackError `invalid_input` on bad options; tracking failures when no `onTrackingError` was given
   *
   * @example
   * ```ts
   * import { Sweep, logUniform, intRange } from 'exptrack/sweep';
   * const sweep = new Sweep({ space: { lr: logUniform(1e-4, 1), width: intRange(4, 64) }, direction: 'minimize', seed: 0 });
   * const { best } = await sweep.optimize(async ({ lr, width }) => Math.abs(Math.log10(lr) + 2) + Math.abs(width - 32) / 32, {
   *   trials: 40,
   *   concurrency: 4,
   * });
   * console.log(best?.params, best?.value);
   * ```
   */
  async optimize(objective: Objective<S>, options: OptimizeOptions = {}): Promise<OptimizeResult<S>> {
    if (typeof objective !== 'function') throw invalidInput('objective', objective, 'must be a function');
    const concurrency = options.concurrency ?? 1;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw invalidInput('concurrency', concurrency, 'must be an integer >= 1');
    let target = options.trials;
    if (target === undefined) {
      if (this.samplerName !== 'grid') throw invalidInput('trials', target, 'is required unless the sampler is grid');
      target = Infinity;
    } else if (!Number.isSafeInteger(target) || target < 0) {
      throw invalidInput('trials', target, 'must be an integer >= 0');
    }
    await this.ready();
    const signal = options.signal;
    const finishedBefore = new Set(this.trialList.filter((t) => t.state !== 'running'));
    let inFlight = 0;
    const budgetUsed = () => this.trialList.filter((t) => t.state !== 'running' && !isCrashed(t as unknown as Trial)).length + inFlight;
    const worker = async (): Promise<void> => {
      while (!signal?.aborted && budgetUsed() < (target as number) && this.remaining > 0) {
        const trial = this.ask();
        inFlight++;
        let result: number | TellResult;
        try {
          result = await objective(trial.params as ParamsOf<S>, trial);
        } catch (error) {
          result = { state: 'failed', error };
        }
        inFlight--;
        if (trial.state !== 'running') continue; // the objective told it itself
        try {
          this.tell(trial, result);
        } catch (error) {
          if (!ExptrackError.is(error) || error.code !== 'invalid_input') throw error;
          this.tell(trial, { state: 'failed', error: new Error(`objective returned ${describeValue(result)}, not a number`) });
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    await this.flush();
    const ran = this.trialList.filter((t) => t.state !== 'running' && !finishedBefore.has(t));
    return {
      best: this.best,
      ran: ran.length,
      completed: ran.filter((t) => t.state === 'completed').length,
      pruned: ran.filter((t) => t.state === 'pruned').length,
      failed: ran.filter((t) => t.state === 'failed').length,
      aborted: signal?.aborted ?? false,
    };
  }

  /**
   * Resolves when every told trial has been written through the tracker, then flushes the tracker.
   * A single tracker writes trials one after the other, in the order asked, so told trials asked
   * after a trial still running are written once that one is told; flush does not wait for them.
   *
   * @throws ExptrackError `backend_failed` with the first tracking error as `cause`, when tracking failed and no `onTrackingError` handler was given
   */
  async flush(): Promise<void> {
    if (this.lanes === undefined) return;
    await Promise.all(this.lanes.completable().map((r) => r.done));
    for (const tracker of this.lanes.used) {
      try {
        await tracker.flush?.();
      } catch (error) {
        this.trackingErrors.push(error);
      }
    }
    if (this.trackingErrors.length > 0) {
      const errors = this.trackingErrors.splice(0);
      throw new ExptrackError(`tracking sweep ${this.id} failed ${errors.length} time(s): ${errorMessage(errors[0])}`, {
        code: 'backend_failed',
        cause: errors[0],
      });
    }
  }

  private recordingOf(trial: Trial): TrialRecording | undefined {
    return this.recordings.get(trial as Trial<ParamsOf<S>>);
  }

  private beginRecording(trial: Trial<ParamsOf<S>>): void {
    if (this.lanes === undefined) return;
    const onError = (error: unknown) => {
      if (this.onTrackingError) {
        try {
          this.onTrackingError(error, trial as unknown as Trial);
        } catch {
          // A failing handler must not break the sweep.
        }
      } else this.trackingErrors.push(error);
    };
    const recording = this.lanes.begin(onError);
    this.recordings.set(trial, recording);
    const definition = this.definition;
    recording.start(async (t) => {
      const id = await t.startExperiment({ ...(trial.params as Record<string, JsonValue>) }, {
        name: `${this.group}_${trial.number}`,
        notes: `trial ${trial.number} of sweep ${this.id}`,
        group: this.group,
        tags: { [TAG_ID]: this.id, [TAG_TRIAL]: String(trial.number), [TAG_STATE]: 'running' },
      });
      setTrialExperimentId(trial as unknown as Trial, id);
      return id;
    });
    recording.enqueue((t) => t.logSummary({ [SUMMARY_DEFINITION]: definition }));
  }

  private endRecording(trial: Trial<ParamsOf<S>>): void {
    const recording = this.recordings.get(trial);
    if (recording === undefined) return;
    const state = trial.state;
    const value = trial.value;
    const error = trial.error;
    recording.finish(async (t) => {
      const tags: Record<string, string> = { [TAG_STATE]: state };
      if (value !== undefined) tags[TAG_VALUE] = String(value);
      if (error !== undefined) tags[TAG_ERROR] = error.slice(0, 500);
      await t.setTags(tags);
      await t.logSummary({ [this.metric]: value === undefined || !Number.isFinite(value) ? null : value });
      await t.finishExperiment(state === 'failed' ? { status: 'failed', error: new Error(error ?? 'failed') } : { status: 'completed' });
    });
  }

  private async load(): Promise<void> {
    const store = this.store as SweepStore;
    const experiments = await store.getAllExperiments({ group: this.group, sort: 'created', direction: 'asc' });
    const mine = experiments.filter((e) => e.tags[TAG_ID] === this.id && e.tags[TAG_TRIAL] !== undefined);
    if (mine.length === 0) {
      throw new ExptrackError(`no trial of sweep ${this.id} in the store (group ${this.group})`, { code: 'not_found', value: this.id });
    }
    this.checkDefinition(mine);
    const byNumber = new Map<number, Experiment>();
    for (const e of mine) {
      const n = Number(e.tags[TAG_TRIAL]);
      if (Number.isSafeInteger(n) && n >= 0 && !byNumber.has(n)) byNumber.set(n, e);
    }
    const numbers = [...byNumber.keys()].sort((a, b) => a - b);
    const requeue: ParamsOf<S>[] = [];
    for (const n of numbers) {
      const e = byNumber.get(n) as Experiment;
      let params: ParamsOf<S>;
      try {
        params = this.checkParams(e.config);
      } catch {
        continue; // Not a trial of this space (edited by hand): leave it out.
      }
      const trial = createTrial<ParamsOf<S>>(n, params, this.host);
      const plain = trial as unknown as Trial;
      setTrialExperimentId(plain, e.id);
      if (store.getMetrics) {
        for (const point of await store.getMetrics(e.id, this.metric)) restoreTrialReport(plain, point.step, point.value);
      }
      const tag = e.tags[TAG_STATE];
      const stored = e.summary[this.metric];
      const tagged = e.tags[TAG_VALUE] === undefined ? NaN : Number(e.tags[TAG_VALUE]);
      const value = !Number.isNaN(tagged) ? tagged : typeof stored === 'number' ? stored : undefined;
      if (tag === 'completed' && value !== undefined) settleTrial(plain, 'completed', value, undefined);
      else if (tag === 'pruned') settleTrial(plain, 'pruned', value ?? trial.lastReported(), undefined);
      else if (tag === 'failed' || tag === 'completed') settleTrial(plain, 'failed', undefined, e.tags[TAG_ERROR] ?? e.error?.message ?? 'failed');
      else {
        // Running when the sweep stopped: a crash. Keep it as failed and ask its params again.
        settleTrial(plain, 'failed', undefined, `crashed: trial was ${e.status} when sweep ${this.id} stopped`, true);
        requeue.push(params);
      }
      this.owned.add(trial);
      this.trialList.push(trial);
    }
    this.nextNumber = numbers.length === 0 ? 0 : (numbers[numbers.length - 1] as number) + 1;
    this.queue.unshift(...requeue);
  }

  private checkDefinition(experiments: readonly Experiment[]): void {
    const stored = experiments.map((e) => e.summary[SUMMARY_DEFINITION]).find((d) => typeof d === 'object' && d !== null && !Array.isArray(d)) as
      | Record<string, JsonValue>
      | undefined;
    if (stored === undefined) return;
    const mine = this.definition;
    for (const key of ['direction', 'sampler', 'multivariate', 'metric'] as const) {
      if (stored[key] !== undefined && stored[key] !== mine[key]) {
        throw invalidInput(key, mine[key], `differs from the resumed sweep's (${describeValue(stored[key])})`);
      }
    }
    if (stored['space'] !== undefined) {
      const storedSpace = JSON.stringify(searchSpaceToJson(searchSpaceFromJson(stored['space'])));
      if (storedSpace !== JSON.stringify(mine['space'])) throw invalidInput('space', mine['space'], "differs from the resumed sweep's space");
    }
    const storedSeed = stored['seed'];
    if (typeof storedSeed === 'number' && storedSeed !== this.seedValue) {
      if (this.seedGiven) throw invalidInput('seed', this.seedValue, `differs from the resumed sweep's (${storedSeed})`);
      // Adopt the stored seed so suggestions continue the same streams (and a grid the same order).
      this.seedValue = storedSeed;
      this.sampler = this.makeSampler();
    }
  }
}
