/**
 * `exptrack tag`: sets or removes tags of an experiment.
 * @module
 */
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { resolveExperiment } from '../resolve-id.js';
import { updateExperiment } from '../update-experiment.js';

/**
 * Adds `exptrack tag`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerTag(program, wrap);
 * ```
 */
export function registerTag(program: Command, wrap: Wrap): void {
  program
    .command('tag')
    .description('set tags of an experiment (key=value, or a bare key for an empty value); --remove KEY removes one')
    .argument('<id>', 'an experiment id or unique prefix')
    .argument('[tags...]', 'key=value pairs')
    .option('--remove <key...>', 'tags to remove')
    .action(wrap(tag));
}

async function tag(ctx: CommandContext, id: string, pairs: string[], options: { remove?: string[] }): Promise<void> {
  const changes: Record<string, string | null> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (key === '') throw usageError(`tag "${pair}" has no key: write key=value`);
    changes[key] = eq < 0 ? '' : pair.slice(eq + 1);
  }
  for (const key of options.remove ?? []) changes[key] = null;
  if (Object.keys(changes).length === 0) throw usageError('give tags as key=value, or --remove KEY');
  const store = await ctx.store('edit');
  const experiment = await resolveExperiment(store, id);
  await updateExperiment(store, experiment.id, (t) => t.setTags(changes));
  const tags = (await store.getExperiment(experiment.id))?.tags ?? {};
  if (ctx.json) ctx.printJson({ id: experiment.id, tags });
  else ctx.print(`${experiment.id}: ${Object.entries(tags).map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(', ') || 'no tags'}`);
}
