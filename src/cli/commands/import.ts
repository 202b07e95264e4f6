/**
 * `exptrack import`: restores experiments from a JSON export.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, isExptrackError } from '../errors.js';

/**
 * Adds `exptrack import`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerImport(program, wrap);
 * ```
 */
export function registerImport(program: Command, wrap: Wrap): void {
  program
    .command('import')
    .description('restore experiments from a JSON file written by `exptrack export` (ids, timestamps, NaN and all); creates the store if missing')
    .argument('<file>', 'the export (- for stdin)')
    .option('--skip-existing', 'leave out experiments the store already holds (default: fail before writing anything)')
    .action(wrap(importCommand));
}

async function importCommand(ctx: CommandContext, file: string, options: { skipExisting?: boolean }): Promise<void> {
  let text: string;
  try {
    text = file === '-' ? await readAll(ctx.io.stdin) : await readFile(resolve(file), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const { importExperiments } = await import('exptrack/analysis');
  const store = await ctx.store('write');
  const result = await importExperiments(store, text, { onConflict: options.skipExisting ? 'skip' : 'error' }).catch((error: unknown) => {
    if (isExptrackError(error) && error.code === 'already_exists') {
      const id = (error as { value?: unknown }).value;
      throw new CliError(`experiment ${String(id)} exists already in the store; nothing was imported (pass --skip-existing to leave out the runs it holds)`);
    }
    throw error;
  });
  if (ctx.json) {
    ctx.printJson(result);
    return;
  }
  ctx.print(`imported ${result.imported.length} experiment${result.imported.length === 1 ? '' : 's'}${result.skipped.length > 0 ? `, skipped ${result.skipped.length} already there` : ''}`);
  for (const id of result.imported) ctx.print(`  ${id}`);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
