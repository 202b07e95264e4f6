/**
 * `exptrack report`: an automatic report of one experiment, in Markdown or HTML.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Experiment } from 'exptrack';
import type { ComparisonResult } from 'exptrack/analysis';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { loadDetails, type ExperimentDetails } from '../details.js';
import { costLine } from '../cost-text.js';
import { formatDate, formatDuration, formatEstimateParts, formatNumber, formatP, formatPercent, formatSigned, formatValue } from '../format.js';
import { resolveExperiment } from '../resolve-id.js';
import { sparkline } from '../sparkline.js';
import { escapeHtml, lineChartSvg, sparklineSvg } from '../svg-chart.js';

interface ReportCliOptions {
  format: 'md' | 'html';
  output?: string;
  baseline?: string;
}

/**
 * Adds `exptrack report`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerReport(program, wrap);
 * ```
 */
export function registerReport(program: Command, wrap: Wrap): void {
  program
    .command('report')
    .description('write a report of an experiment: summary, config, git, curves (inline SVG in HTML), evaluations with CIs, and a comparison with --baseline')
    .argument('<id>', 'an experiment id or unique prefix')
    .addOption(new Option('--format <format>', 'md or html').choices(['md', 'html']).default('md'))
    .option('-o, --output <file>', 'the file to write (default: stdout)')
    .option('--baseline <id>', 'compare against this experiment')
    .action(wrap(report));
}

/** A report, as sections of a title and a body of rows or text. */
type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'table'; head: string[]; rows: string[][]; sparklines?: number[][] }
  | { kind: 'text'; text: string }
  | { kind: 'charts'; charts: { title: string; steps: number[]; values: number[] }[] };

async function report(ctx: CommandContext, id: string, options: ReportCliOptions): Promise<void> {
  const store = await ctx.store('read');
  const experiment = await resolveExperiment(store, id);
  const [details, { costOf }] = await Promise.all([loadDetails(store, experiment), import('exptrack/analysis')]);
  let comparison: ComparisonResult | undefined;
  let baseline: Experiment | undefined;
  if (options.baseline !== undefined) {
    baseline = await resolveExperiment(store, options.baseline);
    const { compareExperiments } = await import('exptrack/analysis');
    comparison = await compareExperiments([baseline.id, experiment.id], { store });
  }
  const blocks = reportBlocks(details, costLine(costOf(experiment.summary)), comparison, baseline);
  const text = options.format === 'html' ? toHtml(experiment, blocks) : toMarkdown(blocks);
  if (options.output === undefined || options.output === '-') {
    if (ctx.json) ctx.printJson({ id: experiment.id, format: options.format, output: null, report: text });
    else ctx.print(text);
    return;
  }
  const path = resolve(options.output);
  await writeFile(path, text);
  if (ctx.json) ctx.printJson({ id: experiment.id, format: options.format, output: path, bytes: Buffer.byteLength(text) });
  else ctx.print(`wrote the ${options.format} report of ${experiment.id} to ${path}`);
}

function reportBlocks(details: ExperimentDetails, compute: string, comparison: ComparisonResult | undefined, baseline: Experiment | undefined): Block[] {
  const e = details.experiment;
  const blocks: Block[] = [{ kind: 'heading', text: `Experiment ${e.name === e.id ? e.id : `${e.name} (${e.id})`}` }];
  const summary: string[][] = [
    ['id', e.id],
    ['status', e.status],
    ['created', `${formatDate(e.createdAt)} UTC`],
    ['duration', e.endedAt === null ? '-' : formatDuration(e.endedAt - e.createdAt)],
  ];
  if (e.group !== null) summary.push(['group', e.group]);
  const tags = Object.entries(e.tags);
  if (tags.length > 0) summary.push(['tags', tags.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(', ')]);
  if (e.notes !== '') summary.push(['notes', e.notes]);
  if (e.error !== null) summary.push(['error', e.error.message]);
  if (compute !== '') summary.push(['compute and cost', compute]);
  for (const [k, v] of Object.entries(e.summary)) summary.push([`summary.${k}`, formatValue(v)]);
  blocks.push({ kind: 'heading', text: 'Summary' }, { kind: 'table', head: ['', ''], rows: summary });

  if (details.metrics.length > 0) {
    blocks.push({ kind: 'heading', text: 'Training curves' });
    blocks.push({
      kind: 'table',
      head: ['metric', 'points', 'first', 'last', 'min', 'max', 'curve'],
      rows: details.metrics.map((m) => [m.key, String(m.count), formatNumber(m.first), formatNumber(m.last), formatNumber(m.min), formatNumber(m.max)]),
      sparklines: details.metrics.map((m) => m.values),
    });
    blocks.push({ kind: 'charts', charts: details.metrics.map((m) => ({ title: m.key, steps: m.steps, values: m.values })) });
  }

  blocks.push({ kind: 'heading', text: 'Evaluations' });
  if (details.evaluations.length === 0) blocks.push({ kind: 'text', text: 'No evaluations were logged.' });
  else {
    blocks.push({
      kind: 'table',
      head: ['benchmark', 'step', 'metric', 'value', '± SE', '95% CI', 'n'],
      rows: details.evaluations.flatMap((ev) =>
        ev.scores.map((s) => [
          ev.benchmark + (ev.latest ? '' : ' (earlier)'),
          ev.step === null ? '-' : String(ev.step),
          s.metric,
          ...formatEstimateParts(s.value, s.standardError),
          s.ci === null ? '-' : `[${formatNumber(s.ci[0])}, ${formatNumber(s.ci[1])}]`,
          formatNumber(s.n),
        ]),
      ),
    });
  }

  if (comparison !== undefined && baseline !== undefined) {
    blocks.push({ kind: 'heading', text: `Comparison with baseline ${baseline.name === baseline.id ? baseline.id : `${baseline.name} (${baseline.id})`}` });
    blocks.push(
      comparison.configDifferences.length === 0
        ? { kind: 'text', text: 'The configs are the same.' }
        : { kind: 'table', head: ['config key', 'baseline', 'this run'], rows: comparison.configDifferences.map((d) => [d.key, formatValue(d.values[0]), formatValue(d.values[1])]) },
    );
    blocks.push({
      kind: 'table',
      head: ['metric', 'baseline', 'this run', 'improvement', 'p-value', 'verdict'],
      rows: comparison.metrics.map((m) => {
        const d = m.deltas[1] ?? null;
        const s = m.significance[1] ?? null;
        return [
          m.benchmark === null ? m.metric : `${m.benchmark}/${m.metric}`,
          formatNumber(m.values[0]),
          formatNumber(m.values[1]),
          d === null ? '-' : d.improvement === null ? `${formatSigned(d.difference)} (no goal)` : `${formatSigned(d.improvement)}${d.relative === null ? '' : ` (${formatPercent(d.relative)})`}`,
          s === null ? '-' : formatP(s.pValue),
          s === null ? (m.notes[1] ?? '-') : s.significant ? `significant at ${comparison.alpha}` : `not significant at ${comparison.alpha}`,
        ];
      }),
    });
  }
  blocks.push({ kind: 'heading', text: 'Config' });
  const config = Object.entries(e.config);
  blocks.push(config.length === 0 ? { kind: 'text', text: 'The config is empty.' } : { kind: 'table', head: ['key', 'value'], rows: config.map(([k, v]) => [k, formatValue(v)]) });

  blocks.push({ kind: 'heading', text: 'Git' });
  if (e.git === null) blocks.push({ kind: 'text', text: 'No git state was recorded.' });
  else {
    const g = e.git;
    blocks.push({
      kind: 'table',
      head: ['', ''],
      rows: [
        ['commit', g.commit],
        ['branch', g.branch ?? '(detached)'],
        ['remote', g.remoteUrl ?? '-'],
        ['work tree', g.dirty ? `dirty: ${g.changedFiles.join(', ')}${g.patchTruncated ? ' (patch truncated)' : ''}` : 'clean'],
        ['command', e.environment?.argv.join(' ') ?? '-'],
      ],
    });
  }
  return blocks;
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}

function toMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  let first = true;
  for (const b of blocks) {
    if (b.kind === 'heading') {
      out.push(`${first ? '#' : '##'} ${b.text}`, '');
      first = false;
    } else if (b.kind === 'text') out.push(b.text, '');
    else if (b.kind === 'table') {
      const rows = b.rows.map((r, i) => (b.sparklines === undefined ? r : [...r, sparkline(b.sparklines[i] ?? [], 30)]));
      out.push(`| ${b.head.map(mdCell).join(' | ')} |`, `|${b.head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), '');
    }
  }
  return out.join('\n');
}

function toHtml(e: Experiment, blocks: Block[]): string {
  const body: string[] = [];
  let first = true;
  for (const b of blocks) {
    if (b.kind === 'heading') {
      body.push(first ? `<h1>${escapeHtml(b.text)}</h1>` : `<h2>${escapeHtml(b.text)}</h2>`);
      first = false;
    } else if (b.kind === 'text') body.push(`<p>${escapeHtml(b.text)}</p>`);
    else if (b.kind === 'table') {
      const head = b.head.some((h) => h !== '') ? `<thead><tr>${b.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
      const cells = (r: string[], i: number) => r.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('') + (b.sparklines === undefined ? '' : `<td>${sparklineSvg(b.sparklines[i] ?? [])}</td>`);
      body.push(`<div class="table-box"><table>${head}<tbody>${b.rows.map((r, i) => `<tr>${cells(r, i)}</tr>`).join('')}</tbody></table></div>`);
    } else {
      body.push(`<div class="charts">${b.charts.map((ch) => `<figure>${lineChartSvg(ch.title, ch.steps, ch.values)}</figure>`).join('')}</div>`);
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(`exptrack report: ${e.name}`)}</title>
<style>
:root { --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --accent: #2563eb; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f8fafc; max-width: 1100px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 22px; margin: 6px 0 4px; }
h2 { font-size: 16px; margin: 22px 0 8px; }
.table-box { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.3em 0 1em; background: #fff; border: 1px solid var(--line); }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; font-variant-numeric: tabular-nums; }
th { background: #f1f5f9; font-weight: 600; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 6px; }
figure svg { width: 100%; height: auto; }
svg.spark { display: block; }
footer { color: var(--muted); margin-top: 2em; }
@media print {
  body { background: #fff; margin: 0; max-width: none; }
  .charts { grid-template-columns: repeat(2, 1fr); }
  figure, table, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  .table-box { overflow: visible; }
}
</style>
</head>
<body>
${body.join('\n')}
<footer><small>Generated by exptrack on ${escapeHtml(new Date().toISOString())}.</small></footer>
</body>
</html>
`;
}
