/**
 * `exptrack import`: restores experiments from an export (JSON Lines, streamed; or a version 1 JSON document).
 * @module
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, isExptrackError } from '../errors.js';
import { statusLine } from '../status-line.js';

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
    .description('restore experiments from a file written by `exptrack export` (ids, timestamps, NaN and all; checked whole before anything is written); creates the store if missing')
    .argument('<file>', 'the export (- for stdin)')
    .option('--skip-existing', 'leave out experiments the store already holds (default: fail before writing anything)')
    .option('--artifacts <dir>', 'the bytes of artifacts and images (default: <file>.artifacts when it exists)')
    .action(wrap(importCommand));
}

async function importCommand(ctx: CommandContext, file: string, options: { skipExisting?: boolean; artifacts?: string }): Promise<void> {
  // stdin is read twice (checked whole before anything is written): it is kept in a file first.
  const spool = file === '-' ? await spoolStdin(ctx.io.stdin) : undefined;
  try {
    const path = spool?.path ?? resolve(file);
    if (spool === undefined && !existsSync(path)) throw new CliError(`cannot read ${file}: no such file`);
    const { importExportFile } = await import('exptrack/analysis');
    const store = await ctx.store('write');
    const besideFile = file === '-' ? undefined : `${resolve(file)}.artifacts`;
    const artifactsDir = options.artifacts ?? (besideFile !== undefined && existsSync(besideFile) ? besideFile : undefined);
    const status = statusLine(ctx.io.stderr);
    const result = await importExportFile(store, path, {
      onConflict: options.skipExisting ? 'skip' : 'error',
      ...(artifactsDir === undefined ? {} : { artifactsDir }),
      onProgress: (p) => status.update(`${p.phase === 'check' ? 'checking' : 'importing'}: ${p.experiments} run${p.experiments === 1 ? '' : 's'}, ${p.points.toLocaleString('en-US')} points`),
    })
      .catch((error: unknown) => {
        if (isExptrackError(error) && error.code === 'already_exists') {
          const id = (error as { value?: unknown }).value;
          throw new CliError(`experiment ${String(id)} exists already in the store; nothing was imported (pass --skip-existing to leave out the runs it holds)`);
        }
        if (typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string') throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
        throw error;
      })
      .finally(() => status.clear());
    if (ctx.json) {
      ctx.printJson(result);
      return;
    }
    ctx.print(`imported ${result.imported.length} experiment${result.imported.length === 1 ? '' : 's'}${result.skipped.length > 0 ? `, skipped ${result.skipped.length} already there` : ''}`);
    for (const id of result.imported) ctx.print(`  ${id}`);
    if (result.withoutBytes > 0) ctx.note(`left out ${result.withoutBytes} artifact${result.withoutBytes === 1 ? '' : 's'} and images: the export has no bytes for them (export with --artifacts, or pass --artifacts DIR)`);
  } finally {
    if (spool !== undefined) await rm(spool.dir, { recursive: true, force: true });
  }
}

/** Copies stdin into a private temporary file, streamed. */
async function spoolStdin(stdin: NodeJS.ReadableStream): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'exptrack-import-'));
  const path = join(dir, 'stdin.export');
  await pipeline(stdin, createWriteStream(path, { mode: 0o600 }));
  return { dir, path };
}
