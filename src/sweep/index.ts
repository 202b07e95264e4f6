/**
 * Hyperparameter sweeps for exptrack: search spaces (`uniform`, `logUniform`, `intRange`,
 * `choice`), a `Sweep` with random, grid and TPE samplers (independent or multivariate, in the way
 * Optuna's TPESampler works), median and ASHA pruners, concurrent `optimize`, and tracking of every
 * trial as an experiment in the group `sweep_<id>`, resumable after a crash. Loads no backend.
 *
 * @example
 * ```ts
 * import { Sweep, logUniform, intRange } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { lr: logUniform(1e-4, 1e-1), hidden: intRange(8, 128) }, direction: 'minimize', seed: 0 });
 * const { best } = await sweep.optimize(({ lr, hidden }) => Math.abs(Math.log10(lr) + 2) + Math.abs(hidden - 64) / 64, { trials: 30 });
 * ```
 *
 * @module
 */
export { Sweep } from './sweep.js';
export type { SweepOptions, SamplerName, TellResult, Objective, OptimizeOptions, OptimizeResult } from './sweep.js';
export { Trial } from './trial.js';
export type { TrialState, Direction, TrialView } from './samplers/sampler.js';
export { uniform, logUniform, intRange, choice, searchSpaceFromJson, searchSpaceToJson } from './space.js';
export type {
  Choice,
  Dimension,
  FloatDimension,
  IntDimension,
  CategoricalDimension,
  SearchSpace,
  ParamsOf,
  ValueOf,
  UniformOptions,
  LogUniformOptions,
  IntRangeOptions,
} from './space.js';
export type { TpeOptions } from './samplers/tpe/sampler.js';
export { MedianPruner } from './pruners/median.js';
export type { MedianPrunerOptions } from './pruners/median.js';
export { AshaPruner } from './pruners/asha.js';
export type { AshaPrunerOptions } from './pruners/asha.js';
export type { Pruner, PrunerContext } from './pruners/pruner.js';
export type { SweepTracker, SweepTrackerSource, SweepStore } from './tracking.js';
export { parameterImportance } from './importance.js';
export type { ParameterImportance } from './importance.js';
