import type { ExperimentReader } from '../../core/backend.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import type { Experiment } from '../../core/types.js';

/**
 * The experiment with this id, or the only one whose id starts with it.
 * @throws ExptrackError `not_found` naming the id when there is none, `invalid_input` when a prefix is ambiguous.
 */
export async function resolveExperiment(store: ExperimentReader, id: unknown, field = 'id'): Promise<Experiment> {
  if (typeof id !== 'string' || id === '') throw invalidInput(field, id, 'must be an experiment id');
  const exact = await store.getExperiment(id);
  if (exact !== undefined) return exact;
  const matches = typeof store.findExperimentIds === 'function' ? await store.findExperimentIds(id, 2) : [];
  if (matches.length === 1) {
    const found = await store.getExperiment(matches[0] as string);
    if (found !== undefined) return found;
  }
  if (matches.length > 1) {
    throw new ExptrackError(`experiment id prefix ${JSON.stringify(id)} is ambiguous: it matches ${matches.map((m) => JSON.stringify(m)).join(', ')} and maybe more`, { code: 'invalid_input', field, value: id });
  }
  throw new ExptrackError(`no experiment with id ${JSON.stringify(id)}`, { code: 'not_found', field, value: id });
}
