/**
 * `exptrack export`: one experiment or all of them, as JSON Lines (for `exptrack import`, written
 * a line at a time) or as CSV
 * (the metric series, with an `experiment_id` column when there are several experiments).
 * @module
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { terminalSafe, terminalSafeJson } from '../terminal-safe.js';
import { usageError } from '../errors.js';
import { resolveExperiment } from '../resolve-id.js';
import { artifactStore } from './artifacts.js';
import { statusLine } from '../status-line.js';

interface ExportCliOptions {
  all?: boolean;
  output?: string;
  format: 'json' | 'csv';
  layout: 'long' | 'wide';
  filter?: string;
  artifacts?: boolean;
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
    .description('export an experiment (or --all) as JSON Lines that `exptrack import` restores (streamed: memory does not grow with the store), or its metric series as CSV')
    .argument('[id]', 'an experiment id or unique prefix')
    .option('--all', 'every experiment (or those --filter selects); as CSV, one file with an experiment_id column')
    .option('--filter <expr>', 'with --all: only experiments this filter selects')
    .option('-o, --output <file>', 'the file to write (default: stdout)')
    .option('--artifacts', 'json: also copy the bytes of artifacts and images into <output>.artifacts/ (they can be large)')
    .addOption(new Option('--format <format>', 'json (JSON Lines: everything, lossless) or csv (metric points)').choices(['json', 'csv']).default('json'))
    .addOption(new Option('--layout <layout>', 'csv: long (key,step,value,timestamp,rank) or wide (step, a column per metric); --all puts experiment_id first').choices(['long', 'wide']).default('long'))
    .action(wrap(exportCommand));
}

async function exportCommand(ctx: CommandContext, id: string | undefined, options: ExportCliOptions): Promise<void> {
  if ((id === undefined) === (options.all !== true)) throw usageError('give an experiment id or --all (not both)');
  if (options.filter !== undefined && !options.all) throw usageError('--filter goes with --all');
  if (options.artifacts && (options.format !== 'json' || options.output === undefined || options.output === '-')) {
    throw usageError('--artifacts needs --format json and --output FILE: the bytes go into FILE.artifacts/');
  }
  const store = await ctx.store('read');
  const analysis = await import('exptrack/analysis');
  const toStdout = options.output === undefined || options.output === '-';
  if (options.format === 'json') {
    const experiment = id === undefined ? undefined : await resolveExperiment(store, id);
    const lines = analysis.exportLines(store, experiment !== undefined ? { ids: [experiment.id] } : options.filter === undefined ? {} : { filter: options.filter });
    const path = toStdout ? undefined : resolve(options.output as string);
    const blobs = options.artifacts && path !== undefined ? new analysis.ExportBlobCopier(artifactStore(store), `${path}.artifacts`) : undefined;
    const written = await writeLines(ctx, lines, path, blobs);
    if (path === undefined) return;
    const report = { output: path, format: options.format, experiments: written.experiments, bytes: written.bytes, ...(blobs ? { artifacts: { dir: `${path}.artifacts`, ...blobs.copied } } : {}) };
    if (ctx.json) ctx.printJson(report);
    else {
      ctx.print(`exported ${written.experiments} experiment${written.experiments === 1 ? '' : 's'} (${written.points.toLocaleString('en-US')} points) to ${path} (json lines)`);
      if (blobs) ctx.print(`copied ${blobs.copied.blobs} artifact blob${blobs.copied.blobs === 1 ? '' : 's'} (${blobs.copied.bytes} bytes) to ${path}.artifacts`);
    }
    return;
  }
  let text: string;
  let count: number;
  if (options.all) {
    const where = options.filter === undefined ? undefined : analysis.parseFilter(options.filter);
    count = await store.countExperiments(where === undefined ? {} : { where });
    text = await analysis.exportAllMetricsCsv(store, { filter: where, layout: options.layout });
  } else {
    const experiment = await resolveExperiment(store, id as string);
    text = await analysis.exportMetricsCsv(store, experiment.id, { layout: options.layout });
    count = 1;
  }
  if (toStdout) {
    // CSV is escaped on a terminal only (a pipe gets the data as is).
    ctx.io.stdout.write(ctx.isTTY ? terminalSafe(text, { lines: true }) : text);
    return;
  }
  const path = resolve(options.output as string);
  await writeFile(path, text);
  const report = { output: path, format: options.format, experiments: count, bytes: Buffer.byteLength(text) };
  if (ctx.json) ctx.printJson(report);
  else ctx.print(`exported ${count} experiment${count === 1 ? '' : 's'} to ${path} (${options.format})`);
}

/**
 * Writes the lines of an export to a file (or stdout), waiting for the stream to drain, with a
 * status line on a terminal's stderr. A file is written beside its name and renamed into place at
 * the end, so a failed export never leaves a half file under the name asked for.
 */
async function writeLines(
  ctx: CommandContext,
  lines: AsyncIterable<import('exptrack/analysis').ExportLine>,
  path: string | undefined,
  blobs: import('exptrack/analysis').ExportBlobCopier | undefined,
): Promise<{ experiments: number; points: number; bytes: number }> {
  const partial = path === undefined ? undefined : `${path}.partial-${process.pid}`;
  const out: NodeJS.WritableStream = partial === undefined ? ctx.io.stdout : createWriteStream(partial);
  const status = statusLine(ctx.io.stderr);
  const counts = { experiments: 0, points: 0, bytes: 0 };
  try {
    for await (const line of lines) {
      const json = JSON.stringify(line) + '\n';
      // JSON escapes what a terminal acts on and parses the same.
      const text = partial === undefined ? terminalSafeJson(json) : json;
      counts.bytes += Buffer.byteLength(text);
      if (!out.write(text)) await once(out, 'drain');
      if (line.type === 'experiment') counts.experiments++;
      else if (line.type === 'metrics') counts.points += line.steps.length;
      await blobs?.add(line);
      status.update(`exporting: ${counts.experiments} run${counts.experiments === 1 ? '' : 's'}, ${counts.points.toLocaleString('en-US')} points, ${(counts.bytes / 1e6).toFixed(0)} MB`);
    }
    if (partial !== undefined) {
      await new Promise<void>((done, fail) => (out as WriteStream).end((error?: Error | null) => (error ? fail(error) : done())));
      await rename(partial, path as string);
    }
  } catch (error) {
    if (partial !== undefined) {
      (out as WriteStream).destroy();
      await rm(partial, { force: true });
    }
    throw error;
  } finally {
    status.clear();
  }
  return counts;
}
