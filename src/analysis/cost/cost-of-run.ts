import { COST_KEYS } from '../../core/cost-keys.js';
import type { JsonValue } from '../../core/types.js';

/**
 * What a run used and cost, under the exact summary keys the tracker writes (see `COST_KEYS` of
 * `exptrack`); a key the run does not have is absent.
 *
 * @example
 * ```ts
 * const cost: RunCost = { 'compute/gpu_hours': 3.2, 'compute/gpu_count': 2, 'cost/usd': 8 };
 * ```
 */
export interface RunCost {
  'compute/wall_hours'?: number;
  'compute/gpu_count'?: number;
  'compute/gpu_hours'?: number;
  'compute/gpu_name'?: string;
  'cost/compute_usd'?: number;
  'tokens/prompt'?: number;
  'tokens/completion'?: number;
  'cost/eval_usd'?: number;
  'cost/usd'?: number;
}

const NUMBER_KEYS = [
  COST_KEYS.wallHours,
  COST_KEYS.gpuCount,
  COST_KEYS.gpuHours,
  COST_KEYS.computeUsd,
  COST_KEYS.promptTokens,
  COST_KEYS.completionTokens,
  COST_KEYS.evalUsd,
  COST_KEYS.usd,
] as const;

/**
 * Reads the compute and cost keys of a run's summary. A summary is written by anyone who can
 * write the store, so only finite numbers >= 0 (and a GPU name of at most 200 characters) count.
 *
 * @param summary - the run's summary
 * @returns the keys present and valid
 * @example
 * ```ts
 * import { costOf } from 'exptrack/analysis';
 * costOf({ 'compute/gpu_hours': 2, 'cost/usd': 5, loss: 0.1 }); // { 'compute/gpu_hours': 2, 'cost/usd': 5 }
 * ```
 */
export function costOf(summary: Readonly<Record<string, JsonValue>>): RunCost {
  const out: RunCost = {};
  for (const key of NUMBER_KEYS) {
    const v = summary[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v;
  }
  const name = summary[COST_KEYS.gpuName];
  if (typeof name === 'string' && name.length <= 200) out[COST_KEYS.gpuName] = name;
  return out;
}

/**
 * The tokens of a run's evaluations: prompt plus completion tokens, or undefined when neither is known.
 *
 * @param cost - a run's cost
 * @example
 * ```ts
 * import { tokensOf } from 'exptrack/analysis';
 * tokensOf({ 'tokens/prompt': 1200, 'tokens/completion': 300 }); // 1500
 * ```
 */
export function tokensOf(cost: RunCost): number | undefined {
  const prompt = cost['tokens/prompt'];
  const completion = cost['tokens/completion'];
  return prompt === undefined && completion === undefined ? undefined : (prompt ?? 0) + (completion ?? 0);
}

/**
 * Adds up the costs of several runs: each numeric key is the sum over the runs that have it (the
 * GPU count and name are left out, as they do not add up).
 *
 * @param costs - the runs' costs
 * @returns the totals, and for each key how many runs had it
 * @example
 * ```ts
 * import { sumCosts } from 'exptrack/analysis';
 * sumCosts([{ 'cost/usd': 2 }, { 'cost/usd': 3, 'compute/gpu_hours': 1 }]);
 * // { total: { 'compute/gpu_hours': 1, 'cost/usd': 5 }, runs: { 'compute/gpu_hours': 1, 'cost/usd': 2 } }
 * ```
 */
export function sumCosts(costs: readonly RunCost[]): { total: RunCost; runs: Partial<Record<keyof RunCost, number>> } {
  const total: RunCost = {};
  const runs: Partial<Record<keyof RunCost, number>> = {};
  for (const cost of costs) {
    for (const key of NUMBER_KEYS) {
      const v = cost[key];
      if (key === COST_KEYS.gpuCount || v === undefined) continue;
      total[key] = (total[key] ?? 0) + v;
      runs[key] = (runs[key] ?? 0) + 1;
    }
  }
  return { total, runs };
}
