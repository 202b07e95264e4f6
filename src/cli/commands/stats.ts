/**
 * `exptrack stats`: what a store holds.
 * @module
 */
import type { Command } from 'commander';
import type { ExperimentReader } from 'exptrack';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { stripUrlCredentials } from '../../capture/redact-url.js';
import { formatUsd } from '../cost-text.js';
import { formatBytes, formatDate, formatNumber } from '../format.js';
import { STATUSES } from './shared.js';

/**
 * Adds `exptrack stats`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerStats(program, wrap);
 * ```
 */
export function registerStats(program: Command, wrap: Wrap): void {
  program
    .command('stats')
    .description('experiments by status, metric points, evaluations, per-sample rows, checkpoints, database size, oldest and newest run; GPU-hours, tokens and dollars, overall and by group')
    .action(wrap(stats));
}

async function stats(ctx: CommandContext): Promise<void> {
  const store = await ctx.store('read');
  const [s, compute] = await Promise.all([store.getStats(), computeTotals(store)]);
  if (ctx.json) {
    const { runs, ...totals } = compute.total;
    ctx.printJson({ ...s, database: stripUrlCredentials(ctx.db), ...totals, runs_with_cost: runs, by_group: compute.byGroup });
    return;
  }
  const { c } = ctx;
  const rows: string[][] = [
    ['database', stripUrlCredentials(ctx.db)],
    ['experiments', String(s.experiments)],
    ...STATUSES.map((status) => [`  ${status}`, String(s.byStatus[status] ?? 0)]),
    ['metric points', String(s.metricPoints)],
    ['evaluations', String(s.evaluations)],
    ['per-sample rows', String(s.samples)],
    ['checkpoints', String(s.checkpoints)],
    ['size on disk', formatBytes(s.sizeBytes)],
    ['oldest', formatDate(s.oldest)],
    ['newest', formatDate(s.newest)],
  ];
  const t = compute.total;
  if (t.runs > 0) rows.push(['GPU-hours', formatNumber(t.gpu_hours)], ['tokens', formatNumber(t.tokens)], ['cost', `${formatUsd(t.cost_usd)} (${t.runs} run${t.runs === 1 ? '' : 's'} with compute or cost recorded)`]);
  ctx.print(rows.map(([k, v]) => `${c.bold((k as string).padEnd(16))}${v}`).join('\n'));
  const groups = Object.entries(compute.byGroup);
  if (groups.length > 0) {
    ctx.print('');
    ctx.print(c.bold('By group'));
    ctx.print(
      await ctx.table(
        ['GROUP', 'RUNS', 'GPU-HOURS', 'TOKENS', 'COST'],
        groups.map(([group, g]) => [group, String(g.runs), formatNumber(g.gpu_hours), formatNumber(g.tokens), formatUsd(g.cost_usd)]),
        ['left', 'right', 'right', 'right', 'right'],
      ),
    );
  }
}

/** GPU-hours, tokens and dollars of the runs that recorded any (`stats --json` keys). */
interface ComputeTotal {
  runs: number;
  gpu_hours: number;
  tokens: number;
  cost_usd: number;
}

/**
 * Adds up the compute and cost keys of every run that has one, overall and by group (a run
 * without a group counts under `(none)`). The store selects those runs with a summary filter.
 */
async function computeTotals(store: ExperimentReader): Promise<{ total: ComputeTotal; byGroup: Record<string, ComputeTotal> }> {
  const { costOf, parseFilter, sumCosts, tokensOf } = await import('exptrack/analysis');
  const where = parseFilter('exists summary.compute/gpu_hours or exists summary.cost/usd or exists summary.tokens/prompt or exists summary.tokens/completion');
  const runs = await store.getAllExperiments({ where });
  const totalOf = (costs: ReturnType<typeof costOf>[]): ComputeTotal => {
    const { total } = sumCosts(costs);
    return { runs: costs.length, gpu_hours: total['compute/gpu_hours'] ?? 0, tokens: tokensOf(total) ?? 0, cost_usd: total['cost/usd'] ?? 0 };
  };
  const groups = new Map<string, ReturnType<typeof costOf>[]>();
  const all = runs.map((e) => {
    const cost = costOf(e.summary);
    const key = e.group ?? '(none)';
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [cost]);
    else members.push(cost);
    return cost;
  });
  const byGroup = Object.fromEntries([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, costs]) => [group, totalOf(costs)]));
  return { total: totalOf(all), byGroup };
}
