/**
 * `exptrack leaderboard`: runs (or groups of runs) ranked by a metric, with error bars.
 * @module
 */
import type { Command } from 'commander';
import type { LeaderboardResult } from 'exptrack/analysis';
import { integerOption, fractionOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
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
    ...(options.top === undefined ? {} : { top: options.top }),
    ...(options.filter === undefined ? {} : { filter: options.filter }),
    ...(options.order === undefined ? {} : { order: options.order }),
    ...(options.best ? { value: 'best' as const } : {}),
    confidence: options.confidence ?? 0.95,
    archived: options.archived === true,
    groupBy: options.byGroup ? 'group' : options.byConfig ? 'config' : 'none',
  });
  if (board.rows.length === 0) await refuseUnknownMetric(store, board);
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
  const scoreCells = (rank: number, score: number, standardError: number | null): [string, string] => {
    const [value, se] = formatEstimateParts(score, standardError);
    return [rank === 1 ? c.bold(c.green(value)) : value, se];
  };
  const withSd = ([score, se]: [string, string], sd: number | null): [string, string, string] => [score, formatNumber(sd), se];
  const ci = (interval: [number, number] | null) => (interval === null ? '-' : `[${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`);
  if (board.groupBy === 'none') {
    ctx.print(
      await ctx.table(
        ['#', 'ID', 'NAME', 'SCORE', '± SE', 'CI', 'N', ...board.columns],
        board.rows.map((r) => [
          String(r.rank),
          c.cyan(r.id),
          r.name === r.id ? '' : r.name,
          ...scoreCells(r.rank, r.score, r.standardError),
          ci(r.ci),
          formatNumber(r.n),
          ...board.columns.map((k) => formatValue(r.config[k])),
        ]),
        ['right', 'left', 'left', 'right', 'right', 'left', 'right'],
      ),
    );
  } else {
    ctx.print(
      await ctx.table(
        ['#', board.groupBy === 'group' ? 'GROUP' : 'CONFIG', 'RUNS', 'MEAN', 'SD', '± SE', 'CI', 'METHOD', ...board.columns],
        board.rows.map((r) => [
          String(r.rank),
          r.label,
          String(r.runs),
          ...withSd(scoreCells(r.rank, r.score, r.standardError), r.sd),
          ci(r.ci),
          r.method,
          ...board.columns.map((k) => formatValue(r.config[k])),
        ]),
        ['right', 'left', 'right', 'right', 'right', 'right', 'left', 'left'],
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
