/**
 * `exptrack show`: one experiment in full.
 * @module
 */
import { terminalSafe } from '../terminal-safe.js';
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { costLine } from '../cost-text.js';
import { loadDetails } from '../details.js';
import { formatBytes, formatDate, formatDuration, formatEstimateParts, formatNumber, formatValue } from '../format.js';
import { resolveExperiment } from '../resolve-id.js';
import { sparkline } from '../sparkline.js';
import { statusColor } from './shared.js';

/**
 * Adds `exptrack show`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerShow(program, wrap);
 * ```
 */
export function registerShow(program: Command, wrap: Wrap): void {
  program
    .command('show')
    .description('one experiment: status, config, git and environment, tags and notes, checkpoints, evaluations with SE and CI, training metrics with sparklines')
    .argument('<id>', 'an experiment id or unique prefix')
    .action(wrap(show));
}

async function show(ctx: CommandContext, id: string): Promise<void> {
  const store = await ctx.store('read');
  const experiment = await resolveExperiment(store, id);
  const [details, { costOf }] = await Promise.all([loadDetails(store, experiment), import('exptrack/analysis')]);
  const cost = costOf(experiment.summary);
  if (ctx.json) {
    ctx.printJson({
      experiment,
      cost,
      metrics: details.metrics.map(({ steps: _steps, values: _values, ...figures }) => figures),
      evaluations: details.evaluations,
      checkpoints: details.checkpoints,
    });
    return;
  }
  const { c } = ctx;
  const e = experiment;
  const t = (text: string) => terminalSafe(text);
  const line = (key: string, value: string) => ctx.print(`${c.bold(key.padEnd(12))}${value}`);
  ctx.print(`${c.bold(c.cyan(t(e.id)))}${e.name === e.id ? '' : `  ${c.bold(t(e.name))}`}`);
  line('status', statusColor(c, e.status));
  if (e.group !== null) line('group', t(e.group));
  line('created', formatDate(e.createdAt));
  if (e.endedAt !== null) line('ended', `${formatDate(e.endedAt)} (${formatDuration(e.endedAt - e.createdAt)})`);
  const tags = Object.entries(e.tags);
  if (tags.length > 0) line('tags', tags.map(([k, v]) => t(v === '' ? k : `${k}=${v}`)).join(', '));
  if (e.notes !== '') line('notes', e.notes.split('\n').map(t).join('\n' + ' '.repeat(12)));
  if (e.error !== null) line('error', c.red(t(e.error.message)));
  const summary = Object.entries(e.summary).filter(([k]) => !(k in cost));
  if (summary.length > 0) line('summary', summary.map(([k, v]) => t(`${k}=${formatValue(v)}`)).join(', '));
  const compute = costLine(cost);
  if (compute !== '') line('compute', t(compute));

  ctx.print('');
  ctx.print(c.bold('Config'));
  const config = Object.entries(e.config);
  if (config.length === 0) ctx.print('  (empty)');
  for (const [k, v] of config) ctx.print(`  ${t(k).padEnd(24)} ${t(formatValue(v))}`);

  if (e.git !== null) {
    ctx.print('');
    ctx.print(c.bold('Git'));
    ctx.print(`  commit      ${t(e.git.commit)}${e.git.branch === null ? ' (detached)' : ` on ${t(e.git.branch)}`}`);
    if (e.git.remoteUrl !== null) ctx.print(`  remote      ${t(e.git.remoteUrl)}`);
    ctx.print(`  work tree   ${e.git.dirty ? c.yellow(`dirty: ${e.git.changedFiles.length} changed file(s)${e.git.patch === null ? '' : ', patch recorded'}${e.git.patchTruncated ? ' (truncated)' : ''}`) : 'clean'}${e.git.untrackedCount > 0 ? `, ${e.git.untrackedCount} untracked` : ''}`);
    for (const f of e.git.changedFiles.slice(0, 10)) ctx.print(`              ${t(f)}`);
    if (e.git.changedFiles.length > 10) ctx.print(`              ... ${e.git.changedFiles.length - 10} more`);
  }
  if (e.environment !== null) {
    const env = e.environment;
    ctx.print('');
    ctx.print(c.bold('Environment'));
    ctx.print(`  command     ${env.argv.map(t).join(' ')}`);
    ctx.print(`  cwd         ${t(env.cwd)}`);
    ctx.print(t(`  node        ${env.nodeVersion} on ${env.platform} ${env.osRelease} ${env.arch}`));
    ctx.print(t(`  machine     ${env.hostname}, ${env.cpuCount} x ${env.cpuModel}, ${formatBytes(env.totalMemoryBytes)}`));
    const packages = Object.entries(env.packages);
    if (packages.length > 0) ctx.print(t(`  packages    ${packages.map(([k, v]) => `${k}@${v}`).join(', ')}`));
  }

  if (details.checkpoints.length > 0) {
    ctx.print('');
    ctx.print(c.bold('Checkpoints'));
    ctx.print(
      await ctx.table(
        ['STEP', 'PATH', 'SIZE', 'SHA-256', 'METRICS'],
        details.checkpoints.map((k) => [
          k.step === null ? '-' : String(k.step),
          t(k.path),
          formatBytes(k.sizeBytes),
          k.sha256.slice(0, 12),
          Object.entries(k.metrics).map(([m, v]) => `${m}=${formatNumber(v)}`).join(' '),
        ]),
        ['right', 'left', 'right', 'left', 'left'],
      ),
    );
  }

  if (details.evaluations.length > 0) {
    ctx.print('');
    ctx.print(c.bold('Evaluations') + c.dim('  (95% CI; SE from per-sample rows or the recorded stderr)'));
    const rows = details.evaluations.flatMap((ev) =>
      ev.scores.map((s, i) => [
        i === 0 ? t(ev.benchmark) + (ev.latest ? '' : c.dim(' (earlier)')) : '',
        i === 0 && ev.step !== null ? String(ev.step) : '',
        t(s.metric),
        ...formatEstimateParts(s.value, s.standardError),
        s.ci === null ? '-' : `[${formatNumber(s.ci[0])}, ${formatNumber(s.ci[1])}]`,
        formatNumber(s.n),
      ]),
    );
    ctx.print(await ctx.table(['BENCHMARK', 'STEP', 'METRIC', 'VALUE', '± SE', 'CI', 'N'], rows, ['left', 'right', 'left', 'right', 'right', 'left', 'right']));
    for (const ev of details.evaluations) {
      const counts = Object.entries(ev.counts);
      if (counts.length > 0 && ev.latest) ctx.print(c.dim(t(`  ${ev.benchmark}: ${counts.map(([k, v]) => `${k}=${formatNumber(v)}`).join(', ')}`)));
    }
  }

  if (details.metrics.length > 0) {
    ctx.print('');
    ctx.print(c.bold('Training metrics'));
    ctx.print(
      await ctx.table(
        ['METRIC', 'POINTS', 'STEPS', 'FIRST', 'LAST', 'MIN', 'MAX', 'CURVE'],
        details.metrics.map((m) => [
          t(m.key),
          String(m.count),
          `${m.firstStep}-${m.lastStep}`,
          formatNumber(m.first),
          formatNumber(m.last),
          formatNumber(m.min),
          formatNumber(m.max),
          c.cyan(sparkline(m.values, 40)),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
    );
  }
}
