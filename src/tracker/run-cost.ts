import { COST_KEYS } from '../core/cost-keys.js';
import { invalidInput } from '../core/errors.js';
import type { JsonValue } from '../core/types.js';
import type { PricingOptions, SystemUsage } from './system-metrics.js';

/** The totals a run carries over from its earlier sessions (read from its summary on resume). */
interface Totals {
  wallHours: number;
  gpuHours: number;
  computeUsd: number | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  evalUsd: number | undefined;
}

/** A price per GPU-hour for a GPU name, or undefined when none is configured. */
export type GpuPrice = (gpuName: string | null) => number | undefined;

/**
 * The compute and cost of one run: what earlier sessions left in the summary plus what this
 * session adds (wall time since it began, times the GPUs in use; the evaluations it logs).
 */
export class RunCost {
  private readonly base: Totals;
  private readonly session: Totals = { wallHours: 0, gpuHours: 0, computeUsd: undefined, promptTokens: undefined, completionTokens: undefined, evalUsd: undefined };

  /**
   * @param summary - the run's summary when it is resumed (its totals carry over), else `{}`
   * @param sessionStart - when this session began, in ms since the epoch
   * @param price - the price per GPU-hour
   */
  constructor(
    summary: Readonly<Record<string, JsonValue>>,
    private readonly sessionStart: number,
    private readonly price: GpuPrice,
  ) {
    const num = (key: string) => {
      const v = summary[key];
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
    };
    this.base = {
      wallHours: num(COST_KEYS.wallHours) ?? 0,
      gpuHours: num(COST_KEYS.gpuHours) ?? 0,
      computeUsd: num(COST_KEYS.computeUsd),
      promptTokens: num(COST_KEYS.promptTokens),
      completionTokens: num(COST_KEYS.completionTokens),
      evalUsd: num(COST_KEYS.evalUsd),
    };
  }

  /** Adds an evaluation's token use and dollars (its `prompt_tokens`, `completion_tokens`, `cost_usd` metrics). */
  addEvaluation(metrics: Readonly<Record<string, number>>): void {
    const add = (sum: number | undefined, v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? (sum ?? 0) + v : sum);
    this.session.promptTokens = add(this.session.promptTokens, metrics.prompt_tokens);
    this.session.completionTokens = add(this.session.completionTokens, metrics.completion_tokens);
    this.session.evalUsd = add(this.session.evalUsd, metrics.cost_usd);
  }

  /** The evaluation keys of the summary (tokens and evaluation dollars), as they stand. */
  evaluationSummary(): Record<string, JsonValue> {
    return this.summary(undefined, undefined);
  }

  /**
   * The summary keys at `now`, with the GPUs this session uses.
   *
   * @param now - ms since the epoch
   * @param usage - the GPUs in use
   */
  computeSummary(now: number, usage: SystemUsage): Record<string, JsonValue> {
    return this.summary(now, usage);
  }

  private summary(now: number | undefined, usage: SystemUsage | undefined): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    const sum = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
    let computeUsd = this.base.computeUsd;
    if (now !== undefined && usage !== undefined) {
      const sessionHours = Math.max(0, now - this.sessionStart) / 3_600_000;
      const sessionGpuHours = sessionHours * usage.gpuCount;
      out[COST_KEYS.wallHours] = this.base.wallHours + sessionHours;
      out[COST_KEYS.gpuCount] = usage.gpuCount;
      out[COST_KEYS.gpuHours] = this.base.gpuHours + sessionGpuHours;
      if (usage.gpuName !== null) out[COST_KEYS.gpuName] = usage.gpuName;
      const price = usage.gpuCount > 0 ? this.price(usage.gpuName) : undefined;
      if (price !== undefined) computeUsd = (computeUsd ?? 0) + sessionGpuHours * price;
      if (computeUsd !== undefined) out[COST_KEYS.computeUsd] = computeUsd;
    }
    const prompt = sum(this.base.promptTokens, this.session.promptTokens);
    const completion = sum(this.base.completionTokens, this.session.completionTokens);
    const evalUsd = sum(this.base.evalUsd, this.session.evalUsd);
    if (prompt !== undefined) out[COST_KEYS.promptTokens] = prompt;
    if (completion !== undefined) out[COST_KEYS.completionTokens] = completion;
    if (evalUsd !== undefined) out[COST_KEYS.evalUsd] = evalUsd;
    const usd = sum(computeUsd, evalUsd);
    if (usd !== undefined) out[COST_KEYS.usd] = usd;
    return out;
  }
}

/**
 * The price per GPU-hour from the `pricing` option, else `EXPTRACK_GPU_HOUR_USD`.
 *
 * @throws ExptrackError `invalid_input` naming `pricing.gpuHourUsd` (or the environment variable)
 *   for a price that is not a finite number >= 0.
 */
export function gpuPrice(pricing: PricingOptions | undefined, env: string | undefined): GpuPrice {
  const check = (field: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidInput(field, v, 'must be a finite number of dollars >= 0');
    return v;
  };
  const option = pricing?.gpuHourUsd;
  if (typeof option === 'number') {
    const flat = check('pricing.gpuHourUsd', option);
    return () => flat;
  }
  if (option !== undefined) {
    if (typeof option !== 'object' || option === null) throw invalidInput('pricing.gpuHourUsd', option, 'must be a number or an object of prices by GPU name');
    const entries = Object.entries(option).map(([name, v]) => [name.toLowerCase(), check(`pricing.gpuHourUsd.${name}`, v)] as const);
    entries.sort((a, b) => b[0].length - a[0].length);
    return (gpuName) => {
      const name = (gpuName ?? '').toLowerCase();
      return entries.find(([key]) => name.includes(key))?.[1];
    };
  }
  if (env !== undefined && env.trim() !== '') {
    const flat = Number(env);
    if (!Number.isFinite(flat) || flat < 0) throw invalidInput('EXPTRACK_GPU_HOUR_USD', env, 'must be a finite number of dollars >= 0');
    return () => flat;
  }
  return () => undefined;
}
