/**
 * `exptrack stats`: what a store holds.
 * @module
 */
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatBytes, formatDate } from '../format.js';
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
    .description('experiments by status, metric points, evaluations, per-sample rows, checkpoints, database size, oldest and newest run')
    .action(wrap(stats));
}

async function stats(ctx: CommandContext): Promise<void> {
  const store = await ctx.store('read');
  const s = await store.getStats();
  if (ctx.json) {
    ctx.printJson({ ...s, database: ctx.db });
    return;
  }
  const { c } = ctx;
  const rows: string[][] = [
    ['database', ctx.db],
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
  ctx.print(rows.map(([k, v]) => `${c.bold((k as string).padEnd(16))}${v}`).join('\n'));
}
