/**
 * Experiment ids from the command line: a full id or a unique prefix.
 * @module
 */
import type { Experiment, ExperimentReader } from 'exptrack';
import { CliError } from './errors.js';

/** How many candidates an ambiguous prefix lists. */
const CANDIDATES = 10;

/**
 * The experiment with this id, or the only one whose id starts with it.
 *
 * @param store - the store to look in
 * @param idOrPrefix - a full id or a prefix of one
 * @returns the experiment
 * @throws CliError (exit code 1) when no experiment matches, or when the prefix is ambiguous (the
 * message lists the candidates)
 * @example
 * ```ts
 * const experiment = await resolveExperiment(store, 'exp_20260101_1200');
 * ```
 */
export async function resolveExperiment(store: ExperimentReader, idOrPrefix: string): Promise<Experiment> {
  const exact = await store.getExperiment(idOrPrefix);
  if (exact !== undefined) return exact;
  const matches = idOrPrefix === '' ? [] : await store.findExperimentIds(idOrPrefix, CANDIDATES + 1);
  if (matches.length === 1) {
    const found = await store.getExperiment(matches[0] as string);
    if (found !== undefined) return found;
  }
  if (matches.length > 1) {
    const listed = matches.slice(0, CANDIDATES).join(', ');
    const more = matches.length > CANDIDATES ? ', ...' : '';
    throw new CliError(`id prefix "${idOrPrefix}" is ambiguous: it matches ${listed}${more}; give more characters`);
  }
  throw new CliError(`no experiment with id "${idOrPrefix}" (run \`exptrack list\` to see the ids)`);
}

/**
 * Resolves several ids or prefixes, refusing one given twice.
 *
 * @param store - the store to look in
 * @param ids - full ids or prefixes
 * @returns the experiments, in the order given
 * @throws CliError for an unknown or ambiguous id, or an experiment named twice
 * @example
 * ```ts
 * const [a, b] = await resolveExperiments(store, ['exp_2026', 'exp_2025']);
 * ```
 */
export async function resolveExperiments(store: ExperimentReader, ids: readonly string[]): Promise<Experiment[]> {
  const out: Experiment[] = [];
  for (const id of ids) {
    const experiment = await resolveExperiment(store, id);
    if (out.some((e) => e.id === experiment.id)) throw new CliError(`experiment ${experiment.id} is named twice`);
    out.push(experiment);
  }
  return out;
}
