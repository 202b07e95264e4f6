/**
 * `exptrack export`: one experiment or all of them, as JSON (for `exptrack import`) or as CSV
 * (the metric series, with an `experiment_id` column when there are several experiments).
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { terminalSafe, terminalSafeJson } from '../terminal-safe.js';
import { usageError } from '../errors.js';
import { resolveExperiment } from '../resolve-id.js';

interface ExportCliOptions {
  all?: boolean;
  output?: string;
  format: 'json' | 'csv';
  layout: 'long' | 'wide';
  filter?: string;
}

/**
 * Adds `exptrack export`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerExport(program, wrap);
 * ```
 */
export function registerExport(program: Command, wrap: Wrap): void {
  program
    .command('export')
    .description('export an experiment (or --all) as JSON that `exptrack import` restores, or its metric series as CSV')
    .argument('[id]', 'an experiment id or unique prefix')
    .option('--all', 'every experiment (or those --filter selects); as CSV, one file with an experiment_id column')
    .option('--filter <expr>', 'with --all: only experiments this filter selects')
    .option('-o, --output <file>', 'the file to write (default: stdout)')
    .addOption(new Option('--format <format>', 'json (everything, lossless) or csv (metric points)').choices(['json', 'csv']).default('json'))
    .addOption(new Option('--layout <layout>', 'csv: long (key,step,value,timestamp,rank) or wide (step, a column per metric); --all puts experiment_id first').choices(['long', 'wide']).default('long'))
    .action(wrap(exportCommand));
}

async function exportCommand(ctx: CommandContext, id: string | undefined, options: ExportCliOptions): Promise<void> {
  if ((id === undefined) === (options.all !== true)) throw usageError('give an experiment id or --all (not both)');
  if (options.filter !== undefined && !options.all) throw usageError('--filter goes with --all');
  const store = await ctx.store('read');
  const analysis = await import('exptrack/analysis');
  let text: string;
  let count: number;
  if (options.all && options.format === 'csv') {
    const where = options.filter === undefined ? undefined : analysis.parseFilter(options.filter);
    count = (await store.getAllExperiments(where === undefined ? {} : { where })).length;
    text = await analysis.exportAllMetricsCsv(store, { filter: where, layout: options.layout });
  } else if (options.all) {
    const dump = await analysis.exportAll(store, options.filter === undefined ? {} : { filter: options.filter });
    text = JSON.stringify(dump) + '\n';
    count = dump.experiments.length;
  } else {
    const experiment = await resolveExperiment(store, id as string);
    text = options.format === 'csv'
      ? await analysis.exportMetricsCsv(store, experiment.id, { layout: options.layout })
      : JSON.stringify(await analysis.exportExperiment(store, experiment.id)) + '\n';
    count = 1;
  }
  if (options.output === undefined || options.output === '-') {
    // JSON escapes what a terminal acts on and parses the same; CSV is escaped on a terminal only (a pipe gets the data as is).
    ctx.io.stdout.write(options.format !== 'csv' ? terminalSafeJson(text) : ctx.isTTY ? terminalSafe(text, { lines: true }) : text);
    return;
  }
  const path = resolve(options.output);
  await writeFile(path, text);
  const report = { output: path, format: options.format, experiments: count, bytes: Buffer.byteLength(text) };
  if (ctx.json) ctx.printJson(report);
  else ctx.print(`exported ${count} experiment${count === 1 ? '' : 's'} to ${path} (${options.format})`);
}
