/**
 * `exptrack gc`: finds the blobs no artifact or image of any run refers to (left by deleted runs),
 * and with `--yes` deletes them.
 * @module
 */
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { formatBytes } from '../format.js';
import { artifactStore } from './artifacts.js';

/**
 * Adds `exptrack gc`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerGc(program, wrap);
 * ```
 */
export function registerGc(program: Command, wrap: Wrap): void {
  program
    .command('gc')
    .description('show the artifact bytes no run refers to any more (dry run); --yes deletes them')
    .option('--yes', 'delete them')
    .action(wrap(gc));
}

async function gc(ctx: CommandContext, options: { yes?: boolean }): Promise<void> {
  // A dry run only reads; deleting needs the store open for edits (it must exist; it is not created).
  const store = artifactStore(await ctx.store(options.yes === true ? 'edit' : 'read'));
  const report = await store.collectGarbage({ dryRun: options.yes !== true });
  if (ctx.json) {
    ctx.printJson(report);
    return;
  }
  const abandoned = report.abandoned?.uploads ?? 0;
  let what = `${report.blobs} unreferenced blob${report.blobs === 1 ? '' : 's'}, ${formatBytes(report.bytes)}`;
  if (abandoned > 0) what += `; ${abandoned} unfinished upload${abandoned === 1 ? '' : 's'} of a crashed writer, ${formatBytes(report.abandoned!.bytes)}`;
  ctx.print(report.deleted ? `deleted ${what}` : report.blobs === 0 && abandoned === 0 ? 'nothing to free' : `would free ${what} (dry run; run \`exptrack gc --yes\` to delete)`);
}
