/**
 * The grid sampler: every combination of the dimensions' values, each once, in a seeded random
 * order, then it stops. Categorical dimensions use their choices, integer ranges every value (or
 * their `values`), continuous dimensions their `values` list.
 * @module
 */
import { invalidInput } from '../../core/errors.js';
import { Prng, hashSeed } from '../random.js';
import type { Choice, Dimension, SearchSpace } from '../space.js';
import type { Sampler, SamplerContext, TrialView } from './sampler.js';

/** The most grid points a sweep may have. */
export const MAX_GRID_POINTS = 1_000_000;

function gridValues(name: string, dim: Dimension): readonly Choice[] {
  if (dim.kind === 'categorical') return dim.choices;
  if (dim.values !== null) return dim.values;
  if (dim.kind === 'int') {
    const out: number[] = [];
    for (let v = dim.low; v <= dim.high; v += dim.step) {
      out.push(v);
      if (out.length > MAX_GRID_POINTS) break;
    }
    return out;
  }
  throw invalidInput(`space.${name}.values`, undefined, 'is required by the grid sampler for a continuous dimension (pass { values: [...] })');
}

/** A stable key of a params record over `names`. */
export function paramsKey(names: readonly string[], params: Readonly<Record<string, Choice>>): string {
  return JSON.stringify(names.map((n) => params[n] ?? null));
}

/** Visits every grid point once. */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  private readonly axes: { name: string; values: readonly Choice[]; set: ReadonlySet<Choice> }[];
  private readonly names: readonly string[];
  private readonly order: number[];
  /** Points before this position of `order` are known to be used (the used set only grows). */
  private cursor = 0;
  readonly size: number;

  /**
   * @param space - the validated space
   * @param names - its names, sorted
   * @param seed - orders the visit
   */
  constructor(space: SearchSpace, names: readonly string[], seed: number) {
    this.names = names;
    this.axes = names.map((name) => {
      const values = gridValues(name, space[name] as Dimension);
      return { name, values, set: new Set(values) };
    });
    let size = 1;
    for (const axis of this.axes) size *= axis.values.length;
    if (size > MAX_GRID_POINTS) throw invalidInput('space', size, `has too many grid points for the grid sampler (at most ${MAX_GRID_POINTS})`);
    this.size = size;
    this.order = new Prng(hashSeed(seed, 0x67726964)).shuffle(Array.from({ length: size }, (_, i) => i));
  }

  private point(index: number): Record<string, Choice> {
    const out: Record<string, Choice> = {};
    let rest = index;
    for (let a = this.axes.length - 1; a >= 0; a--) {
      const axis = this.axes[a] as { name: string; values: readonly Choice[] };
      out[axis.name] = axis.values[rest % axis.values.length] as Choice;
      rest = Math.floor(rest / axis.values.length);
    }
    return out;
  }

  /** Keys of the grid points the trials hold (enqueued params off the grid do not count). */
  private used(trials: readonly TrialView[]): Set<string> {
    const keys = new Set<string>();
    for (const t of trials) {
      if (this.axes.every((axis) => axis.set.has(t.params[axis.name] as Choice))) keys.add(paramsKey(this.names, t.params));
    }
    return keys;
  }

  sample(ctx: SamplerContext): Record<string, Choice> {
    const used = this.used(ctx.trials);
    for (; this.cursor < this.order.length; this.cursor++) {
      const params = this.point(this.order[this.cursor] as number);
      if (!used.has(paramsKey(this.names, params))) return params;
    }
    throw invalidInput('sampler', 'grid', 'has no grid point left');
  }

  remaining(ctx: Omit<SamplerContext, 'rng' | 'number'>): number {
    return this.size - this.used(ctx.trials).size;
  }
}
