/**
 * `exptrack note`: replaces (or appends to) the notes of an experiment.
 * @module
 */
import type { Command } from 'commander';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveExperiment } from '../resolve-id.js';
import { updateExperiment } from '../update-experiment.js';

/**
 * Adds `exptrack note`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerNote(program, wrap);
 * ```
 */
export function registerNote(program: Command, wrap: Wrap): void {
  program
    .command('note')
    .description('set the notes of an experiment (--append adds a line instead)')
    .argument('<id>', 'an experiment id or unique prefix')
    .argument('<text...>', 'the note')
    .option('--append', 'add the text as a new line after the existing notes')
    .action(wrap(note));
}

async function note(ctx: CommandContext, id: string, words: string[], options: { append?: boolean }): Promise<void> {
  const store = await ctx.store('edit');
  const experiment = await resolveExperiment(store, id);
  const text = words.join(' ');
  const notes = options.append && experiment.notes !== '' ? `${experiment.notes}\n${text}` : text;
  await updateExperiment(store, experiment.id, (t) => t.setNotes(notes));
  if (ctx.json) ctx.printJson({ id: experiment.id, notes });
  else ctx.print(`${experiment.id}: notes set`);
}
