/**
 * Parameter importance of a sweep: how strongly each parameter goes with the objective over the
 * completed trials. A simple, documented measure, not a causal one.
 * @module
 */
import { ExptrackError } from '../core/errors.js';
import type { TrialView } from './samplers/sampler.js';
import type { Choice } from './space.js';

/**
 * One parameter's importance.
 *
 * @example
 * ```ts
 * import type { ParameterImportance } from 'exptrack/sweep';
 * const line = (p: ParameterImportance) => `${p.name}: ${p.importance.toFixed(2)} (${p.method}, n=${p.trials})`;
 * ```
 */
export interface ParameterImportance {
  name: string;
  /** In [0, 1]: |Spearman rho| for numbers, the correlation ratio eta for categories. */
  importance: number;
  /** Spearman's rho between the parameter and the objective (numbers only; its sign says which way is better), else null. */
  correlation: number | null;
  method: 'spearman' | 'eta';
  /** Completed trials used. */
  trials: number;
}

/** Ranks with ties given their average rank (1-based). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[(order[k] as readonly [number, number])[1]] = avg;
    i = j + 1;
  }
  return out;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/**
 * Each parameter's importance over the completed trials: for a numeric parameter the absolute
 * Spearman rank correlation with the objective, for a categorical one the correlation ratio (eta)
 * of the objective's ranks across its choices. Both lie in [0, 1]; sorted most important first.
 * Reference: C. Spearman (1904); K. Pearson's correlation ratio (1903).
 *
 * @param trials - the sweep's trials (`sweep.trials`); only completed ones count
 * @returns one entry per parameter, most important first
 * @throws ExptrackError `insufficient_data` with fewer than 3 completed trials
 *
 * @example
 * ```ts
 * import { Sweep, parameterImportance, uniform } from 'exptrack/sweep';
 * const sweep = new Sweep({ space: { a: uniform(0, 1), b: uniform(0, 1) }, direction: 'minimize', seed: 1, sampler: 'random' });
 * await sweep.optimize(({ a, b }) => 10 * a + 0.1 * b, { trials: 30 });
 * parameterImportance(sweep.trials)[0]?.name; // 'a'
 * ```
 */
export function parameterImportance(trials: readonly TrialView[]): ParameterImportance[] {
  const done = trials.filter((t) => t.state === 'completed' && t.value !== undefined && Number.isFinite(t.value));
  if (done.length < 3) {
    throw new ExptrackError(`parameter importance needs at least 3 completed trials (got ${done.length})`, {
      code: 'insufficient_data',
      value: done.length,
    });
  }
  const objectiveRanks = ranks(done.map((t) => t.value as number));
  const names = Object.keys(done[0]?.params ?? {});
  const out: ParameterImportance[] = names.map((name) => {
    const values = done.map((t) => t.params[name] as Choice);
    if (values.every((v) => typeof v === 'number')) {
      const rho = pearson(ranks(values as number[]), objectiveRanks);
      return { name, importance: Math.abs(rho), correlation: rho, method: 'spearman', trials: done.length };
    }
    // Correlation ratio: between-choice variance of the objective ranks over their total variance.
    const groups = new Map<string, number[]>();
    values.forEach((v, i) => {
      const key = JSON.stringify(v);
      const g = groups.get(key) ?? [];
      g.push(objectiveRanks[i] as number);
      groups.set(key, g);
    });
    const mean = objectiveRanks.reduce((s, v) => s + v, 0) / objectiveRanks.length;
    let between = 0;
    for (const g of groups.values()) {
      const m = g.reduce((s, v) => s + v, 0) / g.length;
      between += g.length * (m - mean) ** 2;
    }
    const total = objectiveRanks.reduce((s, v) => s + (v - mean) ** 2, 0);
    return { name, importance: total === 0 ? 0 : Math.sqrt(between / total), correlation: null, method: 'eta', trials: done.length };
  });
  return out.sort((a, b) => b.importance - a.importance);
}
