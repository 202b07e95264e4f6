/**
 * `exptrack compare`: runs side by side: configuration differences, each metric with a marker on
 * the best, the winner and its improvement over the baseline, and the significance of each
 * difference.
 * @module
 */
import { Option, type Command } from 'commander';
import type { ComparisonResult, MetricComparison } from 'exptrack/analysis';
import { fractionOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatUsd } from '../cost-text.js';
import { formatEstimateParts, formatNumber, formatP, formatPercent, formatSigned, formatValue } from '../format.js';
import { resolveExperiments } from '../resolve-id.js';
import { usageError } from '../errors.js';

interface CompareCliOptions {
  benchmark?: string;
  metric?: string[];
  alpha: number;
  method?: 'auto' | 'mcnemar' | 'paired-t' | 'bootstrap' | 'permutation' | 'welch';
  adjust?: 'holm' | 'bh' | 'bonferroni' | 'none';
}

/** Significance test methods, as `--method` accepts them. */
export const METHODS = ['auto', 'mcnemar', 'paired-t', 'bootstrap', 'permutation', 'welch'] as const;

/**
 * Adds `exptrack compare`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerCompare(program, wrap);
 * ```
 */
export function registerCompare(program: Command, wrap: Wrap): void {
  program
    .command('compare')
    .description('compare runs: config differences, metrics with the best marked, winner and improvement over the first (baseline), and significance')
    .argument('<ids...>', 'two or more experiment ids or unique prefixes; the first is the baseline')
    .option('--benchmark <name>', 'only this benchmark\'s metrics (no training metrics)')
    .option('--metric <name...>', 'only these metrics')
    .option('--alpha <a>', 'significance level', fractionOption, 0.05)
    .addOption(new Option('--method <method>', 'significance test').choices(METHODS).default('auto'))
    .addOption(new Option('--adjust <how>', 'correction of the p-values for many tests').choices(['holm', 'bh', 'bonferroni', 'none']).default('holm'))
    .action(wrap(compare));
}

async function compare(ctx: CommandContext, ids: string[], options: CompareCliOptions): Promise<void> {
  if (ids.length < 2) throw usageError('compare needs at least two experiment ids');
  const store = await ctx.store('read');
  const experiments = await resolveExperiments(store, ids);
  const { compareExperiments } = await import('exptrack/analysis');
  const result = await compareExperiments(
    experiments.map((e) => e.id),
    {
      store,
      alpha: options.alpha,
      ...(options.benchmark === undefined ? {} : { benchmark: options.benchmark }),
      ...(options.metric === undefined ? {} : { metrics: options.metric }),
      ...(options.method === undefined ? {} : { method: options.method }),
      ...(options.adjust === undefined ? {} : { adjust: options.adjust }),
    },
  );
  if (ctx.json) {
    ctx.printJson({ ...result, winner: overallWinner(result) });
    return;
  }
  await printComparison(ctx, result);
}

/** The metric that decides the overall winner: an evaluation's accuracy, else its first metric, else the first metric with a winner. */
function decidingMetric(result: ComparisonResult): MetricComparison | undefined {
  const evaluations = result.metrics.filter((m) => m.benchmark !== null && !m.metric.startsWith('n_'));
  return evaluations.find((m) => m.metric === 'accuracy') ?? evaluations[0] ?? result.metrics.find((m) => m.winner !== null);
}

/**
 * The run that wins the deciding metric, with its improvement over the baseline (the `winner`
 * key of `exptrack compare --json`).
 */
function overallWinner(result: ComparisonResult) {
  const m = decidingMetric(result);
  if (m === undefined || m.winner === null) return null;
  const i = result.experiments.findIndex((e) => e.id === m.winner);
  const delta = m.deltas[i] ?? null;
  const test = m.significance[i] ?? null;
  return {
    id: m.winner,
    benchmark: m.benchmark,
    metric: m.metric,
    value: m.values[i] ?? null,
    baselineValue: m.values[0] ?? null,
    improvement: delta?.improvement ?? null,
    relative: delta?.relative ?? null,
    pValue: test?.pValue ?? null,
    significant: test?.significant ?? null,
  };
}

/** GPU-hours, tokens and dollars side by side, when any compared run has them. */
async function printCost(ctx: CommandContext, result: ComparisonResult, heads: string[]): Promise<void> {
  const costs = result.experiments.map((e) => e.cost);
  const rows: [string, (cost: (typeof costs)[number]) => string][] = [
    ['GPUs', (k) => (k['compute/gpu_count'] === undefined ? '-' : `${k['compute/gpu_count']}${k['compute/gpu_name'] === undefined ? '' : ` × ${k['compute/gpu_name']}`}`)],
    ['GPU-hours', (k) => formatNumber(k['compute/gpu_hours'])],
    ['tokens', (k) => (k['tokens/prompt'] === undefined && k['tokens/completion'] === undefined ? '-' : formatNumber((k['tokens/prompt'] ?? 0) + (k['tokens/completion'] ?? 0)))],
    ['cost', (k) => formatUsd(k['cost/usd'])],
  ];
  // A row shows when a run has something in it (a CPU run records 0 GPUs and 0 GPU-hours).
  const shown = rows.filter(([, cell]) => costs.some((k) => cell(k) !== '-' && cell(k) !== '0'));
  if (shown.length === 0) return;
  ctx.print('');
  ctx.print(ctx.c.bold('Compute and cost'));
  ctx.print(await ctx.table(['', ...heads], shown.map(([name, cell]) => [name, ...costs.map(cell)]), ['left', ...heads.map(() => 'right' as const)]));
}

const label = (m: MetricComparison) => (m.benchmark === null ? m.metric : `${m.benchmark}/${m.metric}`);

async function printComparison(ctx: CommandContext, result: ComparisonResult): Promise<void> {
  const { c } = ctx;
  const names = result.experiments.map((e) => (e.name === e.id ? e.id : e.name));
  const heads = result.experiments.map((_, i) => (i === 0 ? `${names[i]} (baseline)` : (names[i] as string)));
  ctx.print(c.bold(`Comparing ${result.experiments.length} experiments`));
  for (const e of result.experiments) ctx.print(`  ${c.cyan(e.id)}  ${e.name === e.id ? '' : e.name}  ${c.dim(e.status)}`);

  ctx.print('');
  ctx.print(c.bold('Configuration differences'));
  if (result.configDifferences.length === 0) ctx.print('  none: the configs are the same');
  else ctx.print(await ctx.table(['KEY', ...heads], result.configDifferences.map((d) => [d.key, ...d.values.map((v) => formatValue(v))])));

  await printCost(ctx, result, heads);

  ctx.print('');
  ctx.print(c.bold('Performance comparison') + c.dim('  (★ best; ↑ higher is better, ↓ lower is better; no arrow: no goal, never starred)'));
  if (result.metrics.length === 0) {
    ctx.print('  no metrics in common');
    return;
  }
  ctx.print(
    await ctx.table(
      ['METRIC', ...heads],
      result.metrics.map((m) => [
        `${label(m)} ${m.metric.startsWith('n_') || m.better === null ? ' ' : m.better === 'higher' ? '↑' : '↓'}`,
        ...m.values.map((v, i) => {
          const se = m.standardErrors[i];
          const [value, error] = formatEstimateParts(v, se);
          const text = `${value}${se === null || se === undefined ? '' : c.dim(` ± ${error}`)}`;
          return m.winner !== null && result.experiments[i]?.id === m.winner ? c.bold(c.green(`${text} ★`)) : text;
        }),
      ]),
      ['left', ...heads.map(() => 'right' as const)],
    ),
  );

  const winner = overallWinner(result);
  ctx.print('');
  if (winner === null) {
    ctx.print(c.bold('Winner: ') + 'none (a tie, or too few runs have the deciding metric)');
  } else {
    const i = result.experiments.findIndex((e) => e.id === winner.id);
    const what = winner.benchmark === null ? winner.metric : `${winner.benchmark}/${winner.metric}`;
    const vsBaseline =
      i === 0
        ? 'the baseline itself'
        : `${formatSigned(winner.improvement ?? NaN)}${winner.relative === null ? '' : ` (${formatPercent(winner.relative)})`} over the baseline` +
          (winner.pValue === null ? '' : `, p = ${formatP(winner.pValue)}, ${winner.significant ? 'significant' : 'not significant'} at alpha = ${result.alpha}`);
    ctx.print(`${c.bold('Winner:')} ${c.green(names[i] as string)} ${c.dim(winner.id)} on ${what}: ${formatNumber(winner.value)} vs ${formatNumber(winner.baselineValue)}, ${vsBaseline}`);
  }

  const tested = result.metrics.flatMap((m) =>
    m.significance.flatMap((s, i) => (s === null ? [] : [{ m, s, i, adjusted: m.adjustedPValues[i] ?? null }])),
  );
  ctx.print('');
  ctx.print(c.bold(`Significance against the baseline`) + c.dim(` (alpha = ${result.alpha}, p-values adjusted: ${result.adjust})`));
  if (tested.length === 0) {
    ctx.print('  no test applies: significance needs evaluations with per-sample rows or standard errors');
  } else {
    ctx.print(
      await ctx.table(
        ['METRIC', 'RUN', 'DIFFERENCE', `${Math.round((1 - result.alpha) * 100)}% CI`, 'P', 'P (ADJ)', 'TEST', ''],
        tested.map(({ m, s, i, adjusted }) => [
          label(m),
          names[i] as string,
          formatSigned(s.difference),
          `[${formatNumber(s.ci[0])}, ${formatNumber(s.ci[1])}]`,
          formatP(s.pValue),
          adjusted === null ? '-' : formatP(adjusted),
          `${s.method}${s.paired ? ` (${s.n} paired)` : ''}`,
          (adjusted ?? s.pValue) < result.alpha ? c.green('significant') : c.dim('not significant'),
        ]),
        ['left', 'left', 'right', 'left', 'right', 'right', 'left', 'left'],
      ),
    );
  }
  const untested = result.metrics.flatMap((m) => m.notes.flatMap((note, i) => (note === null || m.benchmark === null || m.metric.startsWith('n_') ? [] : [`${label(m)} ${names[i]}: ${note}`])));
  for (const line of untested) ctx.print(c.dim(`  not tested: ${line}`));
}
