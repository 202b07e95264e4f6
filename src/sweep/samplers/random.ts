/**
 * The random sampler: each parameter independently uniform over its dimension (log-uniform on a
 * log scale, uniform over the values of a discrete dimension).
 * @module
 */
import type { Prng } from '../random.js';
import type { Choice, Dimension } from '../space.js';
import { snapToDimension } from '../space.js';
import type { Sampler, SamplerContext } from './sampler.js';

/** One uniform draw from `dim`. */
export function sampleUniform(dim: Dimension, rng: Prng): Choice {
  if (dim.kind === 'categorical') return dim.choices[rng.int(dim.choices.length)] as Choice;
  const step = dim.kind === 'int' ? dim.step : dim.step;
  if (dim.log) {
    const half = step === null ? 0 : step / 2;
    const x = Math.exp(rng.uniform(Math.log(dim.low - half), Math.log(dim.high + half)));
    return step === null ? Math.min(dim.high, Math.max(dim.low, x)) : snapToDimension(dim, x);
  }
  if (step !== null) {
    const count = Math.round((dim.high - dim.low) / step) + 1;
    return snapToDimension(dim, dim.low + rng.int(count) * step);
  }
  return rng.uniform(dim.low, dim.high);
}

/** Samples every parameter uniformly and independently. */
export class RandomSampler implements Sampler {
  readonly name = 'random';

  sample(ctx: SamplerContext): Record<string, Choice> {
    const out: Record<string, Choice> = {};
    for (const name of ctx.names) out[name] = sampleUniform(ctx.space[name] as Dimension, ctx.rng);
    return out;
  }

  remaining(): number {
    return Infinity;
  }
}
