import { COST_KEYS } from '../core/cost-keys.js';
import { invalidInput } from '../core/errors.js';
import type { JsonValue } from '../core/types.js';
import { hostKeys, NO_HOST, sumHosts, type HostTotals } from './host-compute.js';
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
 * session adds (wall time since it began, times the GPUs in use; the evaluations it logs). A
 * session whose GPUs are on a named host (`usage.host`) records them under that host's keys, and
 * the run's totals add every host's (see `host-compute.ts`), so that the processes of a run on
 * several hosts, or a run resumed on another host, count each host's GPUs once.
 */
export class RunCost {
  private readonly base: Totals;
  private readonly session: Totals = { wallHours: 0, gpuHours: 0, computeUsd: undefined, promptTokens: undefined, completionTokens: undefined, evalUsd: undefined };
  /** GPU-hours and dollars of earlier sessions that no host key holds (a run from before host keys). */
  private readonly unattributed: { gpuHours: number; computeUsd: number | undefined };

  /**
   * @param summary - the run's summary when it is resumed or joined (its totals carry over), else `{}`
   * @param sessionStart - when this session began, in ms since the epoch
   * @param price - the price per GPU-hour
   */
  constructor(
    private readonly resumed: Readonly<Record<string, JsonValue>>,
    private readonly sessionStart: number,
    private readonly price: GpuPrice,
  ) {
    const num = (key: string) => finite(resumed[key]);
    this.base = {
      wallHours: num(COST_KEYS.wallHours) ?? 0,
      gpuHours: num(COST_KEYS.gpuHours) ?? 0,
      computeUsd: num(COST_KEYS.computeUsd),
      promptTokens: num(COST_KEYS.promptTokens),
      completionTokens: num(COST_KEYS.completionTokens),
      evalUsd: num(COST_KEYS.evalUsd),
    };
    const hosts = sumHosts(resumed);
    this.unattributed = {
      gpuHours: Math.max(0, this.base.gpuHours - hosts.gpuHours),
      computeUsd: this.base.computeUsd === undefined ? undefined : Math.max(0, this.base.computeUsd - (hosts.computeUsd ?? 0)),
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
    return this.summary(undefined, undefined, this.resumed);
  }

  /**
   * The owner's summary keys at `now`, with the GPUs this session uses.
   *
   * @param now - ms since the epoch
   * @param usage - the GPUs in use
   * @param stored - the run's summary as last read from the store (other hosts' parts), else the one resumed
   */
  computeSummary(now: number, usage: SystemUsage, stored: Readonly<Record<string, JsonValue>> = this.resumed): Record<string, JsonValue> {
    return this.summary(now, usage, stored);
  }

  /**
   * The keys a process that joined the run writes for its host (the owner is on another host): the
   * host's part and, when the stored summary is known, the run's totals (every host's parts as
   * stored, this host's fresh).
   *
   * @param now - ms since the epoch
   * @param usage - the GPUs of this host; nothing without `usage.host`
   * @param stored - the run's summary as last read from the store, if it could be read
   */
  hostSummary(now: number, usage: SystemUsage, stored: Readonly<Record<string, JsonValue>> | undefined): Record<string, JsonValue> {
    if (usage.host === undefined) return {};
    const own = this.hostPart(usage.host, this.sessionCompute(now, usage), usage.gpuCount, false);
    if (stored === undefined) return own.keys;
    const out = { ...own.keys, ...totals(own, sumHosts(stored, [usage.host])) };
    const computeUsd = out[COST_KEYS.computeUsd];
    if (typeof computeUsd === 'number') out[COST_KEYS.usd] = computeUsd + (finite(stored[COST_KEYS.evalUsd]) ?? 0);
    return out;
  }

  /**
   * One host's part over every session on it: what the resumed summary held for it, plus this
   * session's. The owner's part under {@link NO_HOST} also carries what no host key held.
   */
  private hostPart(host: string, session: { gpuHours: number; computeUsd: number | undefined }, gpuCount: number, carries: boolean): HostPart {
    const keys = hostKeys(host);
    const gpuHours = (finite(this.resumed[keys.gpuHours]) ?? 0) + (carries ? this.unattributed.gpuHours : 0) + session.gpuHours;
    const computeUsd = sum(sum(finite(this.resumed[keys.computeUsd]), carries ? this.unattributed.computeUsd : undefined), session.computeUsd);
    const out: Record<string, JsonValue> = { [keys.gpuCount]: gpuCount, [keys.gpuHours]: gpuHours };
    if (computeUsd !== undefined) out[keys.computeUsd] = computeUsd;
    return { keys: out, gpuCount, gpuHours, computeUsd };
  }

  /** This session's GPU-hours, and their dollars when the GPUs have a price. */
  private sessionCompute(now: number, usage: SystemUsage): { hours: number; gpuHours: number; computeUsd: number | undefined } {
    const hours = Math.max(0, now - this.sessionStart) / 3_600_000;
    const gpuHours = hours * usage.gpuCount;
    const price = usage.gpuCount > 0 ? this.price(usage.gpuName) : undefined;
    return { hours, gpuHours, computeUsd: price === undefined ? undefined : gpuHours * price };
  }

  private summary(now: number | undefined, usage: SystemUsage | undefined, stored: Readonly<Record<string, JsonValue>>): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    let computeUsd = this.base.computeUsd;
    if (now !== undefined && usage !== undefined) {
      const session = this.sessionCompute(now, usage);
      // This session's GPUs go to its host's part, or to the host-less part when the sampler names no host.
      const noSession = { gpuHours: 0, computeUsd: undefined };
      const hostless = this.hostPart(NO_HOST, usage.host === undefined ? session : noSession, usage.host === undefined ? usage.gpuCount : 0, true);
      const own = usage.host === undefined ? undefined : this.hostPart(usage.host, session, usage.gpuCount, false);
      // The host-less part is written only when it holds hours, so that most runs have no `_` keys.
      if (hostless.gpuHours > 0) Object.assign(out, hostless.keys);
      if (own) Object.assign(out, own.keys);
      const others = sumHosts(stored, usage.host === undefined ? [NO_HOST] : [NO_HOST, usage.host]);
      const all = totals(own ? addParts(own, hostless) : hostless, others);
      out[COST_KEYS.wallHours] = this.base.wallHours + session.hours;
      Object.assign(out, all);
      if (usage.gpuName !== null) out[COST_KEYS.gpuName] = usage.gpuName;
      computeUsd = finite(all[COST_KEYS.computeUsd]);
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

/** One host's GPUs, GPU-hours and dollars, and its summary keys. */
interface HostPart extends HostTotals {
  keys: Record<string, JsonValue>;
}

function addParts(a: HostTotals, b: HostTotals): HostTotals {
  return { gpuCount: a.gpuCount + b.gpuCount, gpuHours: a.gpuHours + b.gpuHours, computeUsd: sum(a.computeUsd, b.computeUsd) };
}

/** The run's total keys: these parts and the other hosts'. */
function totals(mine: HostTotals, others: HostTotals): Record<string, JsonValue> {
  const all = addParts(mine, others);
  const out: Record<string, JsonValue> = { [COST_KEYS.gpuCount]: all.gpuCount, [COST_KEYS.gpuHours]: all.gpuHours };
  if (all.computeUsd !== undefined) out[COST_KEYS.computeUsd] = all.computeUsd;
  return out;
}

/** A finite number >= 0, else undefined (a summary is written by anyone who can write the store). */
function finite(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Both summed, either one, or undefined when neither is known. */
function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
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
