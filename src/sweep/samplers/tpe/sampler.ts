/**
 * The Tree-structured Parzen Estimator sampler, in the way Optuna's `TPESampler` works: random
 * start-up trials, then for each suggestion the finished trials are split into a good and a bad
 * group, a Parzen estimator l(x) is fitted to the good one and g(x) to the bad one, `eiCandidates`
 * points are drawn from l, and the one with the largest l(x)/g(x) is suggested. Independent (one
 * estimator per parameter) by default, or one joint estimator over all parameters when
 * `multivariate`. Running trials join the bad group (a constant liar), so concurrent asks spread out.
 * @module
 */
import { invalidInput } from '../../../core/errors.js';
import type { Choice, Dimension } from '../../space.js';
import { RandomSampler } from '../random.js';
import type { Sampler, SamplerContext, TrialView } from '../sampler.js';
import { ParzenEstimator, defaultWeights, type ParzenParameters } from './parzen.js';
import { defaultGamma, splitTrials } from './split.js';

/**
 * Options of the TPE sampler. The defaults are Optuna's.
 *
 * @example
 * ```ts
 * import { Sweep, uniform } from 'exptrack/sweep';
 * const sweep = new Sweep({
 *   space: { x: uniform(-5, 5) },
 *   direction: 'minimize',
 *   tpe: { startupTrials: 20, eiCandidates: 48 },
 * });
 * ```
 */
export interface TpeOptions {
  /** Random trials before the model is used, counted as completed plus pruned trials. @defaultValue 10 */
  startupTrials?: number;
  /** Candidates drawn from l(x) per suggestion. @defaultValue 24 */
  eiCandidates?: number;
  /** Weight of the prior kernel. @defaultValue 1 */
  priorWeight?: number;
  /** Clip the smallest bandwidth to range / min(100, 1 + kernels). @defaultValue true */
  magicClip?: boolean;
  /** Put running trials into the bad group so concurrent asks avoid each other. @defaultValue true */
  constantLiar?: boolean;
  /** How many of n finished trials form the good group. @defaultValue `min(ceil(0.1 n), 25)` */
  gamma?: (n: number) => number;
  /** Weights of n observations, oldest first. @defaultValue 1 for the newest 25, a ramp from 1/n for older ones */
  weights?: (n: number) => number[];
}

/** The resolved options of a {@link TpeSampler}. */
interface ResolvedTpe {
  startupTrials: number;
  eiCandidates: number;
  constantLiar: boolean;
  gamma: (n: number) => number;
  parzen: ParzenParameters;
}

function checkCount(field: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw invalidInput(field, value, `must be an integer >= ${min}`);
  return value;
}

/** Resolves and validates {@link TpeOptions}. */
export function resolveTpeOptions(options: TpeOptions): ResolvedTpe {
  const priorWeight = options.priorWeight ?? 1;
  if (!Number.isFinite(priorWeight) || priorWeight <= 0) throw invalidInput('tpe.priorWeight', priorWeight, 'must be a positive number');
  return {
    startupTrials: checkCount('tpe.startupTrials', options.startupTrials ?? 10, 0),
    eiCandidates: checkCount('tpe.eiCandidates', options.eiCandidates ?? 24, 1),
    constantLiar: options.constantLiar ?? true,
    gamma: options.gamma ?? defaultGamma,
    parzen: {
      priorWeight,
      magicClip: options.magicClip ?? true,
      weights: options.weights ?? defaultWeights,
    },
  };
}

/** The internal form of a param: the number, or the index of a categorical choice. */
function toInternal(dim: Dimension, value: Choice): number {
  if (dim.kind === 'categorical') return dim.choices.findIndex((c) => c === value || Object.is(c, value));
  return value as number;
}

function toExternal(dim: Dimension, x: number): Choice {
  return dim.kind === 'categorical' ? (dim.choices[x] as Choice) : x;
}

/** Suggests params with TPE; see the module documentation. */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  private readonly random = new RandomSampler();
  private readonly options: ResolvedTpe;

  /**
   * @param options - the TPE options
   * @param multivariate - one joint estimator over all parameters instead of one per parameter
   */
  constructor(options: TpeOptions = {}, readonly multivariate = false) {
    this.options = resolveTpeOptions(options);
  }

  remaining(): number {
    return Infinity;
  }

  sample(ctx: SamplerContext): Record<string, Choice> {
    const finished = ctx.trials.filter((t) => t.state === 'completed' || t.state === 'pruned');
    if (finished.length < this.options.startupTrials || finished.length === 0) return this.random.sample(ctx);
    const considered = this.options.constantLiar
      ? ctx.trials.filter((t) => t.state !== 'failed')
      : finished;
    const nBelow = this.options.gamma(finished.length);
    const { below, above } = splitTrials(considered, nBelow, ctx.direction);
    // Internal values, one column per parameter, computed once for every group.
    const columnsOf = (trials: readonly TrialView[]) =>
      ctx.names.map((name) => {
        const dim = ctx.space[name] as Dimension;
        return trials.map((t) => toInternal(dim, t.params[name] as Choice));
      });
    const belowColumns = columnsOf(below);
    const aboveColumns = columnsOf(above);
    const groups = this.multivariate ? [ctx.names.map((_, j) => j)] : ctx.names.map((_, j) => [j]);
    const out: Record<string, Choice> = {};
    for (const indices of groups) {
      Object.assign(
        out,
        this.sampleGroup(
          ctx,
          indices,
          indices.map((j) => belowColumns[j] as number[]),
          indices.map((j) => aboveColumns[j] as number[]),
        ),
      );
    }
    return out;
  }

  private sampleGroup(
    ctx: SamplerContext,
    indices: readonly number[],
    belowColumns: readonly (readonly number[])[],
    aboveColumns: readonly (readonly number[])[],
  ): Record<string, Choice> {
    const names = indices.map((j) => ctx.names[j] as string);
    const dims = names.map((n) => ctx.space[n] as Dimension);
    const lower = new ParzenEstimator(dims, belowColumns, this.options.parzen);
    const upper = new ParzenEstimator(dims, aboveColumns, this.options.parzen);
    const candidates = lower.sample(ctx.rng, this.options.eiCandidates);
    const l = lower.logPdf(candidates);
    const g = upper.logPdf(candidates);
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const score = (l[i] as number) - (g[i] as number);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    const chosen = candidates[best] as number[];
    const out: Record<string, Choice> = {};
    names.forEach((n, j) => (out[n] = toExternal(dims[j] as Dimension, chosen[j] as number)));
    return out;
  }
}
