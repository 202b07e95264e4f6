/**
 * The search space of a sweep: the dimension constructors (`uniform`, `logUniform`, `intRange`,
 * `choice`), the types they build, validation, and the JSON form stored with a tracked sweep.
 * @module
 */
import { invalidInput } from '../core/errors.js';
import type { JsonValue } from 'exptrack';

/**
 * A value a categorical dimension may take: a JSON scalar.
 *
 * @example
 * ```ts
 * import { choice, type Choice } from 'exptrack/sweep';
 * const values: Choice[] = ['adam', 0.9, true, null];
 * const dim = choice(values);
 * ```
 */
export type Choice = string | number | boolean | null;

/**
 * A continuous dimension, on a linear or a log scale, optionally on a grid of `step`.
 * Build it with {@link uniform} or {@link logUniform}.
 *
 * @example
 * ```ts
 * import { logUniform, type FloatDimension } from 'exptrack/sweep';
 * const lr: FloatDimension = logUniform(1e-5, 1e-1);
 * lr.log; // true
 * ```
 */
export interface FloatDimension {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  /** Sampled uniformly in log space. */
  readonly log: boolean;
  /** Values are `low + k * step`; null for a truly continuous dimension. */
  readonly step: number | null;
  /** The points the grid sampler visits; null when none were given. */
  readonly values: readonly number[] | null;
}

/**
 * An integer dimension `low, low + step, ..., high`, optionally on a log scale. Build it with {@link intRange}.
 *
 * @example
 * ```ts
 * import { intRange, type IntDimension } from 'exptrack/sweep';
 * const batch: IntDimension = intRange(16, 128, { step: 16 });
 * ```
 */
export interface IntDimension {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly step: number;
  readonly log: boolean;
  /** The points the grid sampler visits; null to visit every value of the range. */
  readonly values: readonly number[] | null;
}

/**
 * An unordered choice among JSON scalars. Build it with {@link choice}.
 *
 * @example
 * ```ts
 * import { choice, type CategoricalDimension } from 'exptrack/sweep';
 * const act: CategoricalDimension<'relu' | 'tanh'> = choice(['relu', 'tanh']);
 * ```
 */
export interface CategoricalDimension<T extends Choice = Choice> {
  readonly kind: 'categorical';
  readonly choices: readonly T[];
}

/**
 * One dimension of a search space.
 *
 * @example
 * ```ts
 * import { uniform, type Dimension } from 'exptrack/sweep';
 * const describe = (d: Dimension) => (d.kind === 'categorical' ? d.choices.join('|') : `${d.low}..${d.high}`);
 * describe(uniform(0, 1)); // '0..1'
 * ```
 */
export type Dimension = FloatDimension | IntDimension | CategoricalDimension;

/**
 * A search space: parameter names mapped to dimensions.
 *
 * @example
 * ```ts
 * import { choice, intRange, logUniform, type SearchSpace } from 'exptrack/sweep';
 * const space = { lr: logUniform(1e-5, 1e-1), hidden: intRange(16, 256, { log: true }), act: choice(['relu', 'tanh']) } satisfies SearchSpace;
 * ```
 */
export type SearchSpace = Readonly<Record<string, Dimension>>;

/**
 * The value a dimension yields: a number, or the chosen value of a categorical dimension.
 *
 * @example
 * ```ts
 * import { choice, type ValueOf } from 'exptrack/sweep';
 * const opt = choice(['adam', 'sgd']);
 * type Opt = ValueOf<typeof opt>; // 'adam' | 'sgd'
 * ```
 */
export type ValueOf<D extends Dimension> = D extends CategoricalDimension<infer T> ? T : number;

/**
 * The params of a trial of space `S`, typed from its dimensions.
 *
 * @example
 * ```ts
 * import { choice, uniform, type ParamsOf } from 'exptrack/sweep';
 * const space = { x: uniform(0, 1), act: choice(['relu', 'tanh']) };
 * type P = ParamsOf<typeof space>; // { x: number; act: 'relu' | 'tanh' }
 * ```
 */
export type ParamsOf<S extends SearchSpace> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/**
 * Options of {@link uniform}.
 *
 * @example
 * ```ts
 * import { uniform, type UniformOptions } from 'exptrack/sweep';
 * const options: UniformOptions = { step: 0.1, values: [0, 0.5] };
 * const dropout = uniform(0, 0.5, options);
 * ```
 */
export interface UniformOptions {
  /** Restrict values to `lo + k * step`; `hi - lo` must be a multiple of it. */
  step?: number;
  /** The points the grid sampler visits (required for a grid sweep). */
  values?: readonly number[];
}

/**
 * Options of {@link logUniform}.
 *
 * @example
 * ```ts
 * import { logUniform, type LogUniformOptions } from 'exptrack/sweep';
 * const options: LogUniformOptions = { values: [1e-4, 1e-3, 1e-2] };
 * const lr = logUniform(1e-4, 1e-2, options);
 * ```
 */
export interface LogUniformOptions {
  /** The points the grid sampler visits (required for a grid sweep). */
  values?: readonly number[];
}

/**
 * Options of {@link intRange}.
 *
 * @example
 * ```ts
 * import { intRange, type IntRangeOptions } from 'exptrack/sweep';
 * const options: IntRangeOptions = { log: true };
 * const hidden = intRange(8, 1024, options);
 * ```
 */
export interface IntRangeOptions {
  /** @defaultValue 1 */
  step?: number;
  /** Sample uniformly in log space (values at least 1, step 1). @defaultValue false */
  log?: boolean;
  /** The points the grid sampler visits; by default every value of the range. */
  values?: readonly number[];
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Whether `(hi - lo) / step` is a whole number, allowing for rounding. */
function isMultiple(span: number, step: number): boolean {
  const k = span / step;
  return Math.abs(k - Math.round(k)) <= 1e-9 * Math.max(1, Math.abs(k));
}

function checkValues(
  field: string,
  values: readonly number[] | undefined,
  dim: { low: number; high: number; log: boolean; step: number | null; integer: boolean },
): readonly number[] | null {
  if (values === undefined) return null;
  if (!Array.isArray(values) || values.length === 0) throw invalidInput(`${field}.values`, values, 'must be a non-empty array');
  const seen = new Set<number>();
  for (const [i, v] of values.entries()) {
    if (!isFiniteNumber(v) || v < dim.low || v > dim.high) {
      throw invalidInput(`${field}.values[${i}]`, v, `must be a number in [${dim.low}, ${dim.high}]`);
    }
    if (dim.integer && !Number.isInteger(v)) throw invalidInput(`${field}.values[${i}]`, v, 'must be an integer');
    if (dim.step !== null && !isMultiple(v - dim.low, dim.step)) {
      throw invalidInput(`${field}.values[${i}]`, v, `must be low + k * ${dim.step}`);
    }
    if (seen.has(v)) throw invalidInput(`${field}.values[${i}]`, v, 'is repeated');
    seen.add(v);
  }
  return Object.freeze([...values]);
}

/**
 * A continuous dimension, sampled uniformly on `[lo, hi]`.
 *
 * @param lo - the lower bound, finite
 * @param hi - the upper bound, finite and greater than `lo`
 * @param options - an optional `step`, and grid `values`
 * @returns the dimension
 * @throws ExptrackError `invalid_input` when the bounds are not finite or `lo >= hi`
 *
 * @example
 * ```ts
 * import { Sweep, uniform } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { dropout: uniform(0, 0.5) }, direction: 'minimize' });
 * ```
 */
export function uniform(lo: number, hi: number, options: UniformOptions = {}): FloatDimension {
  if (!isFiniteNumber(lo)) throw invalidInput('uniform.lo', lo, 'must be a finite number');
  if (!isFiniteNumber(hi) || hi <= lo) throw invalidInput('uniform.hi', hi, `must be a finite number greater than lo (${lo})`);
  const step = options.step ?? null;
  if (step !== null) {
    if (!isFiniteNumber(step) || step <= 0) throw invalidInput('uniform.step', step, 'must be a positive number');
    if (!isMultiple(hi - lo, step)) throw invalidInput('uniform.step', step, `must divide hi - lo (${hi - lo})`);
  }
  const values = checkValues('uniform', options.values, { low: lo, high: hi, log: false, step, integer: false });
  return Object.freeze({ kind: 'float', low: lo, high: hi, log: false, step, values });
}

/**
 * A continuous dimension sampled uniformly in log space on `[lo, hi]`: learning rates, weight decay.
 *
 * @param lo - the lower bound, greater than 0
 * @param hi - the upper bound, greater than `lo`
 * @param options - grid `values`
 * @returns the dimension
 * @throws ExptrackError `invalid_input` when `lo <= 0` or `lo >= hi`
 *
 * @example
 * ```ts
 * import { Sweep, logUniform } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { lr: logUniform(1e-5, 1e-1) }, direction: 'minimize' });
 * ```
 */
export function logUniform(lo: number, hi: number, options: LogUniformOptions = {}): FloatDimension {
  if (!isFiniteNumber(lo) || lo <= 0) throw invalidInput('logUniform.lo', lo, 'must be a finite number > 0');
  if (!isFiniteNumber(hi) || hi <= lo) throw invalidInput('logUniform.hi', hi, `must be a finite number greater than lo (${lo})`);
  const values = checkValues('logUniform', options.values, { low: lo, high: hi, log: true, step: null, integer: false });
  return Object.freeze({ kind: 'float', low: lo, high: hi, log: true, step: null, values });
}

/**
 * An integer dimension `lo, lo + step, ..., hi`, on a linear or (with `log: true`) a log scale.
 *
 * @param lo - the smallest value, an integer (at least 1 on a log scale)
 * @param hi - the largest value, an integer not below `lo`; `hi - lo` must be a multiple of `step`
 * @param options - `step` (default 1), `log` (default false), grid `values`
 * @returns the dimension
 * @throws ExptrackError `invalid_input` on non-integer bounds, a bad step, or `log` with a step other than 1
 *
 * @example
 * ```ts
 * import { Sweep, intRange } from 'exptrack/sweep';
 * const sweep = new Sweep({
 *   space: { hidden: intRange(16, 512, { log: true }), layers: intRange(1, 4) },
 *   direction: 'maximize',
 * });
 * ```
 */
export function intRange(lo: number, hi: number, options: IntRangeOptions = {}): IntDimension {
  if (!Number.isSafeInteger(lo)) throw invalidInput('intRange.lo', lo, 'must be an integer');
  if (!Number.isSafeInteger(hi) || hi < lo) throw invalidInput('intRange.hi', hi, `must be an integer >= lo (${lo})`);
  const step = options.step ?? 1;
  const log = options.log ?? false;
  if (!Number.isSafeInteger(step) || step < 1) throw invalidInput('intRange.step', step, 'must be a positive integer');
  if ((hi - lo) % step !== 0) throw invalidInput('intRange.step', step, `must divide hi - lo (${hi - lo})`);
  if (typeof log !== 'boolean') throw invalidInput('intRange.log', log, 'must be a boolean');
  if (log && step !== 1) throw invalidInput('intRange.step', step, 'must be 1 on a log scale');
  if (log && lo < 1) throw invalidInput('intRange.lo', lo, 'must be >= 1 on a log scale');
  const values = checkValues('intRange', options.values, { low: lo, high: hi, log, step, integer: true });
  return Object.freeze({ kind: 'int', low: lo, high: hi, step, log, values });
}

/**
 * A categorical dimension: one of `choices`, with no order between them.
 *
 * @param choices - distinct JSON scalars (strings, numbers, booleans or null), at least one
 * @returns the dimension; its values are typed as the union of the choices
 * @throws ExptrackError `invalid_input` on an empty list, a repeated choice or a non-scalar
 *
 * @example
 * ```ts
 * import { Sweep, choice } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { optimizer: choice(['adam', 'sgd']) }, direction: 'minimize' });
 * const trial = sweep.ask();
 * trial.params.optimizer; // 'adam' | 'sgd'
 * ```
 */
export function choice<const T extends readonly Choice[]>(choices: T): CategoricalDimension<T[number]> {
  if (!Array.isArray(choices) || choices.length === 0) throw invalidInput('choice', choices, 'must be a non-empty array');
  const seen = new Set<Choice>();
  for (const [i, c] of choices.entries()) {
    const ok = c === null || typeof c === 'string' || typeof c === 'boolean' || isFiniteNumber(c);
    if (!ok) throw invalidInput(`choice[${i}]`, c, 'must be a string, a finite number, a boolean or null');
    if (seen.has(c)) throw invalidInput(`choice[${i}]`, c, 'is repeated');
    seen.add(c);
  }
  return Object.freeze({ kind: 'categorical', choices: Object.freeze([...choices]) as readonly T[number][] });
}

/** Checks that `dim` is a dimension built by the constructors (or parsed from JSON); rebuilds it so it is valid. */
function rebuildDimension(name: string, dim: unknown): Dimension {
  if (typeof dim !== 'object' || dim === null) throw invalidInput(`space.${name}`, dim, 'must be a dimension (uniform, logUniform, intRange or choice)');
  const d = dim as Record<string, unknown>;
  const values = Array.isArray(d['values']) ? (d['values'] as number[]) : undefined;
  if (d['kind'] === 'categorical') return choice(d['choices'] as Choice[]);
  if (d['kind'] === 'int') {
    const opts: IntRangeOptions = { step: d['step'] as number, log: d['log'] as boolean };
    if (values) opts.values = values;
    return intRange(d['low'] as number, d['high'] as number, opts);
  }
  if (d['kind'] === 'float') {
    if (d['log'] === true) return logUniform(d['low'] as number, d['high'] as number, values ? { values } : {});
    const opts: UniformOptions = {};
    if (d['step'] !== null && d['step'] !== undefined) opts.step = d['step'] as number;
    if (values) opts.values = values;
    return uniform(d['low'] as number, d['high'] as number, opts);
  }
  throw invalidInput(`space.${name}`, dim, 'must be a dimension (uniform, logUniform, intRange or choice)');
}

/**
 * Validates a search space and returns a frozen copy with its names in a fixed (sorted) order.
 *
 * @param space - the space to check
 * @returns the same dimensions, validated
 * @throws ExptrackError `invalid_input` on an empty space, an empty name or a malformed dimension
 */
export function normalizeSpace<S extends SearchSpace>(space: S): S {
  if (typeof space !== 'object' || space === null || Array.isArray(space)) throw invalidInput('space', space, 'must be an object of dimensions');
  const names = Object.keys(space).sort();
  if (names.length === 0) throw invalidInput('space', space, 'must have at least one dimension');
  const out: Record<string, Dimension> = {};
  for (const name of names) {
    if (name.length === 0 || name.length > 250) throw invalidInput('space', name, 'names must have 1 to 250 characters');
    out[name] = rebuildDimension(name, space[name]);
  }
  return Object.freeze(out) as S;
}

/** Whether `value` is a value `dim` can take (within bounds, on the step, one of the choices). */
export function dimensionContains(dim: Dimension, value: unknown): boolean {
  if (dim.kind === 'categorical') return dim.choices.some((c) => Object.is(c, value) || c === value);
  if (!isFiniteNumber(value) || value < dim.low || value > dim.high) return false;
  if (dim.kind === 'int') return Number.isInteger(value) && (value - dim.low) % dim.step === 0;
  return dim.step === null || isMultiple(value - dim.low, dim.step);
}

/**
 * The JSON form of a space, as stored in a tracked sweep's definition (summary `sweep.space`):
 * each name maps to `{ kind: 'float' | 'int', low, high, log, step, values }` or
 * `{ kind: 'categorical', choices }`.
 *
 * @param space - a search space
 * @returns its JSON form, which {@link searchSpaceFromJson} reads back
 *
 * @example
 * ```ts
 * import { choice, logUniform, searchSpaceToJson } from 'exptrack/sweep';
 * searchSpaceToJson({ lr: logUniform(1e-4, 1e-1), act: choice(['relu', 'tanh']) });
 * // { lr: { kind: 'float', low: 0.0001, high: 0.1, log: true, step: null, values: null },
 * //   act: { kind: 'categorical', choices: ['relu', 'tanh'] } }
 * ```
 */
export function searchSpaceToJson(space: SearchSpace): JsonValue {
  const out: Record<string, JsonValue> = {};
  for (const [name, dim] of Object.entries(space)) {
    if (dim.kind === 'categorical') out[name] = { kind: 'categorical', choices: [...dim.choices] };
    else {
      out[name] = { kind: dim.kind, low: dim.low, high: dim.high, log: dim.log, step: dim.step, values: dim.values ? [...dim.values] : null };
    }
  }
  return out;
}

/**
 * Builds a search space from its JSON form (a config file, a stored definition). `log`, `step` and
 * `values` may be left out; every dimension is validated as its constructor would.
 *
 * @param json - an object of dimensions in the form {@link searchSpaceToJson} writes
 * @returns the space
 * @throws ExptrackError `invalid_input` when `json` is not a space, naming the dimension at fault
 *
 * @example
 * ```ts
 * import { Sweep, searchSpaceFromJson } from 'exptrack/sweep';
 * const space = searchSpaceFromJson({
 *   lr: { kind: 'float', low: 1e-4, high: 1e-1, log: true },
 *   layers: { kind: 'int', low: 1, high: 4 },
 *   act: { kind: 'categorical', choices: ['relu', 'tanh'] },
 * });
 * const sweep = new Sweep({ space, direction: 'minimize' });
 * ```
 */
export function searchSpaceFromJson(json: unknown): SearchSpace {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalidInput('space', json, 'must be a stored search space');
  return normalizeSpace(json as SearchSpace);
}

/** Rounds a continuous draw onto a dimension's step and bounds; integers come out exact. */
export function snapToDimension(dim: FloatDimension | IntDimension, x: number): number {
  const step = dim.kind === 'int' ? dim.step : dim.step;
  let v = x;
  if (step !== null) {
    const k = Math.round((x - dim.low) / step);
    v = dim.low + k * step;
  }
  if (dim.kind === 'int') v = Math.round(v);
  return Math.min(dim.high, Math.max(dim.low, v));
}
