/**
 * `exptrack significance`: whether two runs differ on an evaluation metric.
 * @module
 */
import { Option, type Command } from 'commander';
import { fractionOption, integerOption, numberOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatNumber, formatP, formatSigned } from '../format.js';
import { resolveExperiments } from '../resolve-id.js';
import { METHODS } from './compare.js';

interface SignificanceCliOptions {
  benchmark: string;
  metric: string;
  alpha: number;
  method: (typeof METHODS)[number];
  seed?: number;
  resamples?: number;
  power: number;
}

/**
 * Adds `exptrack significance`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerSignificance(program, wrap);
 * ```
 */
export function registerSignificance(program: Command, wrap: Wrap): void {
  program
    .command('significance')
    .alias('sig')
    .description('test whether run B differs from run A on a benchmark metric: the test and why, difference with CI, p-value, verdict, minimum detectable effect')
    .argument('<id1>', 'run A (the baseline): an id or unique prefix')
    .argument('<id2>', 'run B')
    .requiredOption('--benchmark <name>', 'the benchmark whose latest evaluation of each run is compared')
    .option('--metric <name>', 'the evaluation metric', 'accuracy')
    .option('--alpha <a>', 'significance level', fractionOption, 0.05)
    .addOption(new Option('--method <method>', 'the test (auto: paired when both runs scored the same items)').choices(METHODS).default('auto'))
    .option('--seed <n>', 'seed of the bootstrap and permutation tests', numberOption)
    .option('--resamples <n>', 'resamples of the bootstrap and permutation tests', integerOption(2))
    .option('--power <p>', 'power at which the minimum detectable effect is stated', fractionOption, 0.8)
    .action(wrap(significanceCommand));
}

async function significanceCommand(ctx: CommandContext, id1: string, id2: string, options: SignificanceCliOptions): Promise<void> {
  const store = await ctx.store('read');
  const [a, b] = await resolveExperiments(store, [id1, id2]);
  const { significance } = await import('exptrack/analysis');
  const r = await significance((a as { id: string }).id, (b as { id: string }).id, {
    store,
    benchmark: options.benchmark,
    metric: options.metric,
    alpha: options.alpha,
    method: options.method,
    power: options.power,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.resamples === undefined ? {} : { resamples: options.resamples }),
  });
  if (ctx.json) {
    ctx.printJson(r);
    return;
  }
  const { c } = ctx;
  const name = (e: { id: string; name: string } | undefined) => (e === undefined ? '' : e.name === e.id ? e.id : `${e.name} (${e.id})`);
  const rows: [string, string][] = [
    ['A (baseline)', `${name(a)}: ${formatNumber(r.scoreA)}`],
    ['B', `${name(b)}: ${formatNumber(r.scoreB)}`],
    ['metric', `${r.benchmark} ${r.metric}`],
    ['test', r.test],
    ['why', r.basis],
    ['difference B-A', `${formatSigned(r.difference)} ± ${formatNumber(r.standardError)} (SE)`],
    [`${Math.round(r.confidence * 100)}% CI`, `[${formatNumber(r.ci[0])}, ${formatNumber(r.ci[1])}]`],
    ['p-value', `${formatP(r.pValue)}${r.statistic === null ? '' : `  (statistic ${formatNumber(r.statistic)}${r.df === null ? '' : `, df ${formatNumber(r.df)}`})`}`],
    ['n', r.paired ? `${r.n} paired items` : `${r.nA ?? '-'} and ${r.nB ?? '-'} items`],
  ];
  if (r.discordant !== null) rows.push(['discordant', `only A right: ${r.discordant.onlyA}, only B right: ${r.discordant.onlyB}`]);
  if (r.correlation !== null) rows.push(['correlation', formatNumber(r.correlation)]);
  rows.push(['min. detectable', r.minimumDetectableEffect === null ? '-' : `${formatNumber(r.minimumDetectableEffect)} at ${Math.round(r.power * 100)}% power`]);
  rows.push(['result', r.significant ? c.bold(c.green(`significant at alpha = ${r.alpha}`)) : c.yellow(`not significant at alpha = ${r.alpha}`)]);
  ctx.print(rows.map(([k, v]) => `${c.bold(k.padEnd(16))}${v}`).join('\n'));
  ctx.print('');
  ctx.print(r.verdict);
}
