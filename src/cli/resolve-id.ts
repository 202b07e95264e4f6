/**
 * Naming experiments on the command line: a full id, a unique id prefix, a unique name, or a
 * unique name prefix, tried in that order.
 * @module
 */
import type { Experiment, ExperimentReader, FilterExpression } from 'exptrack';
import { CliError } from './errors.js';

/** How many candidates an ambiguous prefix lists. */
const CANDIDATES = 10;
/** How many runs a name-prefix lookup reads at most before it calls the prefix too vague. */
const NAME_SCAN_LIMIT = 1000;

/**
 * The experiment named by `ref`: the one with this id, else the only one whose id starts with it,
 * else the only one with this name, else the only one whose name starts with it.
 *
 * @param store - the store to look in
 * @param ref - a full id, an id prefix, a name or a name prefix
 * @returns the experiment
 * @throws CliError (exit code 1) when nothing matches, or when the reference is ambiguous (the
 * message lists the candidates)
 * @example
 * ```ts
 * const byId = await resolveExperiment(store, 'exp_20260101_1200');
 * const byName = await resolveExperiment(store, 'lora-r8');
 * ```
 */
export async function resolveExperiment(store: ExperimentReader, ref: string): Promise<Experiment> {
  const exact = await store.getExperiment(ref);
  if (exact !== undefined) return exact;
  if (ref === '') throw notFound(ref);
  const ids = await store.findExperimentIds(ref, CANDIDATES + 1);
  if (ids.length > 1) throw ambiguous(`id prefix "${ref}"`, ids);
  const byId = ids.length === 1 ? await store.getExperiment(ids[0] as string) : undefined;
  if (byId !== undefined) return byId;
  const named = await experimentsNamed(store, ref);
  const sameName = named.filter((e) => e.name === ref);
  const chosen = sameName.length > 0 ? sameName : named;
  if (chosen.length === 1) return chosen[0] as Experiment;
  if (chosen.length > 1) throw ambiguous(sameName.length > 0 ? `name "${ref}"` : `name prefix "${ref}"`, chosen.map((e) => `${e.id} (${e.name})`));
  throw notFound(ref);
}

/**
 * Resolves several references, refusing one experiment named twice.
 *
 * @param store - the store to look in
 * @param refs - ids, id prefixes, names or name prefixes
 * @returns the experiments, in the order given
 * @throws CliError for an unknown or ambiguous reference, or an experiment named twice
 * @example
 * ```ts
 * const [a, b] = await resolveExperiments(store, ['lora-r8', 'exp_2025']);
 * ```
 */
export async function resolveExperiments(store: ExperimentReader, refs: readonly string[]): Promise<Experiment[]> {
  const out: Experiment[] = [];
  for (const ref of refs) {
    const experiment = await resolveExperiment(store, ref);
    if (out.some((e) => e.id === experiment.id)) throw new CliError(`experiment ${experiment.id} is named twice`);
    out.push(experiment);
  }
  return out;
}

/** Runs whose name starts with `prefix` (case-sensitive), read through the store's `like` filter. */
async function experimentsNamed(store: ExperimentReader, prefix: string): Promise<Experiment[]> {
  // `like` is case-insensitive and treats % and _ as wildcards, so it selects a superset that the
  // exact startsWith below narrows down.
  const pattern = `${prefix}%`;
  const where: FilterExpression = { kind: 'compare', field: { scope: 'attribute', name: 'name' }, op: 'like', value: pattern };
  const candidates = await store.getAllExperiments({ where, limit: NAME_SCAN_LIMIT });
  return candidates.filter((e) => e.name.startsWith(prefix));
}

function ambiguous(what: string, candidates: readonly string[]): CliError {
  const listed = candidates.slice(0, CANDIDATES).join(', ');
  const more = candidates.length > CANDIDATES ? ', ...' : '';
  return new CliError(`${what} is ambiguous: it matches ${listed}${more}; give more characters or the id`);
}

function notFound(ref: string): CliError {
  return new CliError(`no experiment with id or name "${ref}" (run \`exptrack list\` to see ids and names)`);
}
