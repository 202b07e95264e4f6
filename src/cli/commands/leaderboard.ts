/**
 * `exptrack leaderboard`: runs (or groups of runs) ranked by a metric, with error bars.
 * @module
 */
import type { Command } from 'commander';
import type { LeaderboardResult } from 'exptrack/analysis';
import { integerOption, fractionOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { formatUsd } from '../cost-text.js';
import { unknownNameMessage } from '../did-you-mean.js';
import { knownMetrics } from '../known-metrics.js';
import { formatEstimateParts, formatNumber, formatValue } from '../format.js';

interface LeaderboardCliOptions {
  benchmark?: string;
  metric?: string;
  top?: number;
  filter?: string;
  byGroup?: boolean;
  byConfig?: boolean;
  order?: 'asc' | 'desc';
  best?: boolean;
  confidence?: number;
  perDollar?: boolean;
  archived?: boolean;
}

/**
 * Adds `exptrack leaderboard`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerLeaderboard(program, wrap);
 * ```
 */
export function registerLeaderboard(program: Command, wrap: Wrap): void {
  program
    .command('leaderboard')
    .alias('lb')
    .description('rank runs by an evaluation metric (--benchmark) or a training metric, with standard errors and confidence intervals')
    .option('--benchmark <name>', 'rank by a metric of this benchmark\'s latest evaluation')
    .option('--metric <name>', 'the metric (default: accuracy with --benchmark)')
    .option('--top <n>', 'only the n best rows', integerOption(1))
    .option('--filter <expr>', 'only runs this filter selects')
    .option('--by-group', 'one row per experiment group (mean, sd and CI across its runs)')
    .option('--by-config', 'one row per config, ignoring seed keys (runs that differ only by seed)')
    .option('--order <order>', 'asc or desc (default: from the metric name: loss, error... ascend)')
    .option('--best', 'training metrics: rank by the best value instead of the last')
    .option('--confidence <level>', 'confidence level of the intervals', fractionOption, 0.95)
    .option('--per-dollar', 'rank by score per dollar (cost/usd) and mark the Pareto front of score against cost; runs without a cost are left out')
    .option('--archived', 'rank archived runs too (tagged archived), hidden by default')
    .action(wrap(leaderboardCommand));
}

async function leaderboardCommand(ctx: CommandContext, options: LeaderboardCliOptions): Promise<void> {
  if (options.metric === undefined && options.benchmark === undefined) throw usageError('give --metric NAME, or --benchmark NAME (to rank by its accuracy)');
  if (options.order !== undefined && options.order !== 'asc' && options.order !== 'desc') throw usageError('--order must be asc or desc');
  if (options.byGroup && options.byConfig) throw usageError('give --by-group or --by-config, not both');
  const store = await ctx.store('read');
  const { leaderboard } = await import('exptrack/analysis');
  const board: LeaderboardResult = await leaderboard({
    store,
    metric: options.metric ?? 'accuracy',
    ...(options.benchmark === undefined ? {} : { benchmark: options.benchmark }),
    // Per dollar, the ranking changes: every run is scored, and the top is cut after re-ranking.
    ...(options.top === undefined || options.perDollar ? {} : { top: options.top }),
    ...(options.filter === undefined ? {} : { filter: options.filter }),
    ...(options.order === undefined ? {} : { order: options.order }),
    ...(options.best ? { value: 'best' as const } : {}),
    confidence: options.confidence ?? 0.95,
    archived: options.archived === true,
    groupBy: options.byGroup ? 'group' : options.byConfig ? 'config' : 'none',
  });
  // A lower-is-better metric cannot be ranked per dollar whatever the store holds: a usage error before the unknown-metric check.
  if (options.perDollar && board.order === 'asc') throw usageError(`--per-dollar ranks a score that is better higher; ${board.metric} is better lower (give --order desc if it is not)`);
  if (board.rows.length === 0) await refuseUnknownMetric(store, board);
  if (options.perDollar) {
    const priced = (board.rows as Array<(typeof board.rows)[number]>).filter((r) => r.scorePerDollar !== null);
    const unpriced = board.rows.filter((r) => r.scorePerDollar === null);
    priced.sort((a, b) => (b.scorePerDollar as number) - (a.scorePerDollar as number));
    priced.forEach((r, i) => (r.rank = i + 1));
    const rows = options.top === undefined ? priced : priced.slice(0, options.top);
    const excluded = [...board.excluded, ...unpriced.map((r) => ({ id: 'id' in r ? r.id : r.label, reason: 'no cost/usd recorded' }))];
    const ranked = { ...board, rows, excluded, rankedBy: 'score per dollar' as const } as LeaderboardResult & { rankedBy: 'score per dollar' };
    if (ctx.json) {
      ctx.printJson(ranked);
      return;
    }
    await printPerDollar(ctx, ranked);
    return;
  }
  if (ctx.json) {
    ctx.printJson(board);
    return;
  }
  const { c } = ctx;
  const what = `${board.benchmark === null ? '' : `${board.benchmark} `}${board.metric}${board.value === null ? '' : ` (${board.value})`}`;
  const assumed = board.orderSource === 'assumed' ? ' (assumed: pass --order, or declare it with tracker.defineMetric)' : '';
  ctx.print(c.bold(`Leaderboard: ${what}, ${board.order === 'desc' ? 'higher' : 'lower'} is better${assumed}, ${Math.round(board.confidence * 100)}% CI`));
  if (board.rows.length === 0) {
    ctx.print(`no runs have ${what}`);
    return;
  }
  // GPU-hours and dollars get columns when a listed row has them (GPU-hours above zero: a CPU run records 0).
  const rowsWith = (key: 'compute/gpu_hours' | 'cost/usd') => (board.rows as Array<{ cost: (typeof board.rows)[number]['cost'] }>).some((r) => (key === 'cost/usd' ? r.cost[key] !== undefined : (r.cost[key] ?? 0) > 0));
  const costHeads = [...(rowsWith('compute/gpu_hours') ? ['GPU-H'] : []), ...(rowsWith('cost/usd') ? ['COST'] : [])];
  const costCells = (r: (typeof board.rows)[number]) => [
    ...(rowsWith('compute/gpu_hours') ? [formatNumber(r.cost['compute/gpu_hours'])] : []),
    ...(rowsWith('cost/usd') ? [formatUsd(r.cost['cost/usd'])] : []),
  ];
  const costAlign = costHeads.map(() => 'right' as const);
  const scoreCells = (rank: number, score: number, standardError: number | null): [string, string] => {
    const [value, se] = formatEstimateParts(score, standardError);
    return [rank === 1 ? c.bold(c.green(value)) : value, se];
  };
  const withSd = ([score, se]: [string, string], sd: number | null): [string, string, string] => [score, formatNumber(sd), se];
  const ci = (interval: [number, number] | null) => (interval === null ? '-' : `[${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`);
  if (board.groupBy === 'none') {
    ctx.print(
      await ctx.table(
        ['#', 'ID', 'NAME', 'SCORE', '± SE', 'CI', 'N', ...costHeads, ...board.columns],
        board.rows.map((r) => [
          String(r.rank),
          c.cyan(r.id),
          r.name === r.id ? '' : r.name,
          ...scoreCells(r.rank, r.score, r.standardError),
          ci(r.ci),
          formatNumber(r.n),
          ...costCells(r),
          ...board.columns.map((k) => formatValue(r.config[k])),
        ]),
        ['right', 'left', 'left', 'right', 'right', 'left', 'right', ...costAlign],
      ),
    );
  } else {
    ctx.print(
      await ctx.table(
        ['#', board.groupBy === 'group' ? 'GROUP' : 'CONFIG', 'RUNS', 'MEAN', 'SD', '± SE', 'CI', 'METHOD', ...costHeads, ...board.columns],
        board.rows.map((r) => [
          String(r.rank),
          r.label,
          String(r.runs),
          ...withSd(scoreCells(r.rank, r.score, r.standardError), r.sd),
          ci(r.ci),
          r.method,
          ...costCells(r),
          ...board.columns.map((k) => formatValue(r.config[k])),
        ]),
        ['right', 'left', 'right', 'right', 'right', 'right', 'left', 'left', ...costAlign],
      ),
    );
  }
  for (const x of board.excluded) ctx.print(c.dim(`left out ${x.id}: ${x.reason}`));
}

/** The leaderboard ranked by score per dollar, with each row's cost and whether it is on the Pareto front. */
async function printPerDollar(ctx: CommandContext, board: LeaderboardResult): Promise<void> {
  const { c } = ctx;
  const what = `${board.benchmark === null ? '' : `${board.benchmark} `}${board.metric}`;
  ctx.print(c.bold(`Leaderboard: ${what} per dollar (◆ = on the Pareto front of score against cost)`));
  if (board.rows.length === 0) ctx.print(`no runs have both ${what} and cost/usd`);
  else {
    ctx.print(
      await ctx.table(
        ['#', board.groupBy === 'none' ? 'RUN' : 'GROUP', 'SCORE', 'COST', 'GPU-H', 'SCORE/$', 'PARETO'],
        board.rows.map((r) => [
          String(r.rank),
          'id' in r ? (r.name === r.id ? c.cyan(r.id) : `${r.name} ${c.dim(r.id)}`) : `${r.label} ${c.dim(`(${r.runs} runs)`)}`,
          formatNumber(r.score),
          formatUsd(r.cost['cost/usd']),
          formatNumber(r.cost['compute/gpu_hours']),
          r.rank === 1 ? c.bold(c.green(formatNumber(r.scorePerDollar))) : formatNumber(r.scorePerDollar),
          r.paretoOptimal ? c.green('◆') : '',
        ]),
        ['right', 'left', 'right', 'right', 'right', 'right', 'center'],
      ),
    );
  }
  for (const x of board.excluded) ctx.print(c.dim(`left out ${x.id}: ${x.reason}`));
}

/**
 * When nothing ranked because the benchmark or metric exists in no run, a user error listing the
 * names that do exist (with the closest first); an empty board of known names stays a result.
 */
async function refuseUnknownMetric(store: Parameters<typeof knownMetrics>[0], board: LeaderboardResult): Promise<void> {
  const known = await knownMetrics(store);
  if (board.benchmark !== null) {
    const metrics = known.benchmarks.get(board.benchmark);
    if (metrics === undefined) throw new CliError(unknownNameMessage('benchmark', board.benchmark, [...known.benchmarks.keys()].sort()));
    if (!metrics.has(board.metric)) throw new CliError(unknownNameMessage(`metric of ${board.benchmark}`, board.metric, [...metrics].sort()));
  } else if (!known.training.has(board.metric)) {
    throw new CliError(unknownNameMessage('training metric', board.metric, [...known.training].sort()));
  }
}
