/**
 * `exptrack delete`: deletes experiments and everything logged to them.
 * @module
 */
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { resolveExperiments } from '../resolve-id.js';

/**
 * Adds `exptrack delete`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerDelete(program, wrap);
 * ```
 */
export function registerDelete(program: Command, wrap: Wrap): void {
  program
    .command('delete')
    .alias('rm')
    .description('delete experiments with their metrics, evaluations and checkpoints records (asks first unless --yes)')
    .argument('<ids...>', 'experiment ids or unique prefixes')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(wrap(deleteCommand));
}

async function deleteCommand(ctx: CommandContext, ids: string[], options: { yes?: boolean }): Promise<void> {
  const store = await ctx.store('edit');
  const experiments = await resolveExperiments(store, ids);
  if (!options.yes) {
    if (ctx.io.stdin.isTTY !== true) throw new CliError(`refusing to delete ${experiments.length} experiment(s) without confirmation: pass --yes`);
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
    const list = experiments.map((e) => `  ${e.id}${e.name === e.id ? '' : `  ${e.name}`}`).join('\n');
    const answer = await rl.question(`Delete these ${experiments.length} experiment(s) and everything logged to them?\n${list}\n[y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      ctx.note('nothing deleted');
      return;
    }
  }
  const deleted: string[] = [];
  for (const e of experiments) if (await store.deleteExperiment(e.id)) deleted.push(e.id);
  if (ctx.json) ctx.printJson({ deleted });
  else ctx.print(`deleted ${deleted.length} experiment${deleted.length === 1 ? '' : 's'}: ${deleted.join(', ')}`);
}
