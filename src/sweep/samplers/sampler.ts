/**
 * What a sampler sees and returns. Internal: the public choice is `sampler: 'tpe' | 'random' | 'grid'`.
 * @module
 */
import type { Prng } from '../random.js';
import type { Choice, SearchSpace } from '../space.js';

/**
 * Whether lower or higher objective values are better.
 *
 * @example
 * ```ts
 * import { Sweep, uniform, type Direction } from 'exptrack/sweep';
 * const direction: Direction = 'maximize'; // accuracy
 * const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction });
 * ```
 */
export type Direction = 'minimize' | 'maximize';

/**
 * Where a trial is in its life: `running` until told, then `completed` (a finite value),
 * `pruned` (stopped early by a pruner, with its last reported value) or `failed`.
 *
 * @example
 * ```ts
 * import type { TrialState } from 'exptrack/sweep';
 * const finished = (s: TrialState) => s !== 'running';
 * ```
 */
export type TrialState = 'running' | 'completed' | 'pruned' | 'failed';

/**
 * A trial as the samplers and pruners read it (a `Trial` is one).
 *
 * @example
 * ```ts
 * import type { TrialView } from 'exptrack/sweep';
 * const bestReport = (t: TrialView) => Math.min(...t.reports.values());
 * ```
 */
export interface TrialView {
  readonly number: number;
  readonly params: Readonly<Record<string, Choice>>;
  readonly state: TrialState;
  /** The final value (completed), the last reported value (pruned), else undefined. */
  readonly value: number | undefined;
  /** Reported intermediate values by step. */
  readonly reports: ReadonlyMap<number, number>;
}

/** Everything a sampler may use to suggest the params of trial `number`. */
export interface SamplerContext {
  /** The validated space, its names in sorted order. */
  readonly space: SearchSpace;
  readonly names: readonly string[];
  readonly direction: Direction;
  /** Every earlier trial of the sweep, in any state (running ones included). */
  readonly trials: readonly TrialView[];
  readonly number: number;
  /** A generator seeded from the sweep's seed and `number`. */
  readonly rng: Prng;
}

/** A way of suggesting params. */
export interface Sampler {
  readonly name: string;
  sample(ctx: SamplerContext): Record<string, Choice>;
  /** How many more trials it can suggest (Infinity when unbounded). */
  remaining(ctx: Omit<SamplerContext, 'rng' | 'number'>): number;
}
