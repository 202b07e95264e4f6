/**
 * The sweep definition file of `exptrack sweep --config`, and the definition a tracked sweep
 * stores (summary `sweep` of its trials), read back for `--resume` and `sweep show`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Experiment, ExperimentReader, JsonValue } from 'exptrack';
import { CliError } from '../errors.js';

/** A sweep definition, as the config file holds it (and as the stored definition gives it back). */
export interface SweepConfig {
  /** The search space in the JSON form of `searchSpaceFromJson`. */
  space: Record<string, unknown>;
  direction: 'minimize' | 'maximize';
  sampler?: 'tpe' | 'random' | 'grid';
  seed?: number;
  multivariate?: boolean;
  /** The metric and summary key the value is read from and recorded under. */
  metric?: string;
  /** `'median'`, `'asha'`, or `{ "kind": "median" | "asha", ...options }` (`name` is accepted for `kind`, as stored). */
  pruner?: string | Record<string, unknown> | null;
  trials?: number;
  concurrency?: number;
}

const KEYS = new Set(['space', 'direction', 'sampler', 'seed', 'multivariate', 'metric', 'pruner', 'trials', 'concurrency']);

/**
 * Reads and checks a sweep config file.
 *
 * @param path - the JSON file
 * @returns the definition
 * @throws CliError when the file is missing, not JSON, or not a sweep definition (naming the field)
 * @example
 * ```ts
 * const config = readSweepConfig('sweep.json'); // { space: {...}, direction: 'minimize', trials: 20 }
 * ```
 */
export function readSweepConfig(path: string): SweepConfig {
  const full = resolve(path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the sweep config ${full}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`the sweep config ${full} is not JSON: ${(error as Error).message}`);
  }
  return checkSweepConfig(json, `the sweep config ${full}`);
}

/**
 * Checks the shape of a sweep definition (the dimensions themselves are checked by `searchSpaceFromJson`).
 *
 * @param json - the parsed definition
 * @param where - names the source in messages
 * @returns the definition
 * @throws CliError naming the field at fault
 * @example
 * ```ts
 * checkSweepConfig({ space: { x: { kind: 'float', low: 0, high: 1 } }, direction: 'minimize' }, 'sweep.json');
 * ```
 */
export function checkSweepConfig(json: unknown, where: string): SweepConfig {
  const bad = (field: string, what: string) => new CliError(`${where}: ${field} ${what}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('the file', 'must hold a JSON object');
  const o = json as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key)) throw bad(`"${key}"`, `is not a sweep setting (expected: ${[...KEYS].join(', ')})`);
  }
  if (typeof o['space'] !== 'object' || o['space'] === null || Array.isArray(o['space'])) {
    throw bad('"space"', 'must be an object of dimensions, e.g. { "lr": { "kind": "float", "low": 0.0001, "high": 0.1, "log": true } }');
  }
  if (o['direction'] !== 'minimize' && o['direction'] !== 'maximize') throw bad('"direction"', 'must be "minimize" or "maximize"');
  if (o['sampler'] !== undefined && o['sampler'] !== 'tpe' && o['sampler'] !== 'random' && o['sampler'] !== 'grid') {
    throw bad('"sampler"', 'must be "tpe", "random" or "grid"');
  }
  if (o['seed'] !== undefined && !Number.isSafeInteger(o['seed'])) throw bad('"seed"', 'must be an integer');
  if (o['multivariate'] !== undefined && typeof o['multivariate'] !== 'boolean') throw bad('"multivariate"', 'must be true or false');
  if (o['metric'] !== undefined && (typeof o['metric'] !== 'string' || o['metric'] === '')) throw bad('"metric"', 'must be a metric name');
  for (const key of ['trials', 'concurrency'] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 1)) throw bad(`"${key}"`, 'must be an integer >= 1');
  }
  const pruner = o['pruner'];
  if (pruner !== undefined && pruner !== null) {
    const kind = typeof pruner === 'string' ? pruner : typeof pruner === 'object' && !Array.isArray(pruner) ? ((pruner as Record<string, unknown>)['kind'] ?? (pruner as Record<string, unknown>)['name']) : undefined;
    if (kind !== 'median' && kind !== 'asha') throw bad('"pruner"', 'must be "median", "asha", or { "kind": "median" | "asha", ...options }');
  }
  return o as unknown as SweepConfig;
}

/** A trial of a stored sweep, read from its experiment. */
export interface StoredTrial {
  number: number;
  /** `completed`, `pruned` or `failed`; a trial that never finished shows its experiment's status (`killed`, `crashed`, `running`). */
  state: string;
  params: Record<string, JsonValue>;
  /** The final value (completed), the last reported one (pruned), else null. */
  value: number | null;
  experimentId: string;
  error: string | null;
  /** For an interrupted trial whose params a resume ran again: the number of that rerun. */
  rerunAs: number | null;
}

/** A stored sweep: its definition and its trials, in trial order. */
export interface StoredSweep {
  id: string;
  definition: SweepConfig & { seed: number; metric: string };
  trials: StoredTrial[];
  /** The settings the CLI stored with the trials (tags `sweep_cli_trials`, `sweep_cli_concurrency`). */
  cliTrials: number | undefined;
  cliConcurrency: number | undefined;
}

/** The tag the CLI adds to every trial's experiment with the trial budget (`all` for a whole grid), for `--resume`. */
export const TAG_CLI_TRIALS = 'sweep_cli_trials';
/** The tag the CLI adds to every trial's experiment with the concurrency, for `--resume`. */
export const TAG_CLI_CONCURRENCY = 'sweep_cli_concurrency';
/** On an interrupted trial's experiment once a resume reran its params: its number, in place of `sweep_trial`. */
export const TAG_REPLACED_TRIAL = 'sweep_replaced_trial';
/** On an interrupted trial's experiment once a resume reran its params: the rerun's number. */
export const TAG_RERUN_AS = 'sweep_rerun_as';

/**
 * Reads a sweep back from the store: the definition its trials carry (summary `sweep`) and
 * every trial (tags `sweep_id`, `sweep_trial`, `sweep_state`, `sweep_value`, `sweep_error`).
 *
 * @param store - a readable store
 * @param id - the sweep id
 * @returns the sweep
 * @throws CliError when the store holds no trial of the sweep, or no definition
 * @example
 * ```ts
 * const { definition, trials } = await readStoredSweep(store, '20261127_035501_a1b2c3');
 * ```
 */
export async function readStoredSweep(store: Pick<ExperimentReader, 'getAllExperiments'>, id: string): Promise<StoredSweep> {
  const experiments = await store.getAllExperiments({ group: `sweep_${id}`, sort: 'created', direction: 'asc' });
  const mine = experiments.filter((e) => e.tags['sweep_id'] === id && (e.tags['sweep_trial'] ?? e.tags[TAG_REPLACED_TRIAL]) !== undefined);
  if (mine.length === 0) throw new CliError(`no sweep with id "${id}" in this store (no experiment in group sweep_${id}); pass the right --db`);
  const stored = mine.map((e) => e.summary['sweep']).find((d) => typeof d === 'object' && d !== null && !Array.isArray(d));
  if (stored === undefined) throw new CliError(`sweep ${id} has no stored definition (summary "sweep" of its trials)`);
  const d = stored as Record<string, JsonValue>;
  const definition = {
    ...checkSweepConfig(
      {
        space: d['space'],
        direction: d['direction'],
        ...(typeof d['sampler'] === 'string' ? { sampler: d['sampler'] } : {}),
        ...(typeof d['multivariate'] === 'boolean' ? { multivariate: d['multivariate'] } : {}),
        ...(typeof d['metric'] === 'string' ? { metric: d['metric'] } : {}),
        ...(typeof d['seed'] === 'number' ? { seed: d['seed'] } : {}),
      },
      `the stored definition of sweep ${id}`,
    ),
    seed: d['seed'] as number,
    metric: typeof d['metric'] === 'string' ? d['metric'] : 'objective',
    pruner: (d['pruner'] ?? null) as SweepConfig['pruner'],
  };
  const byNumber = new Map<number, Experiment>();
  for (const e of mine) {
    const n = Number(e.tags['sweep_trial'] ?? e.tags[TAG_REPLACED_TRIAL]);
    if (Number.isSafeInteger(n) && n >= 0 && !byNumber.has(n)) byNumber.set(n, e);
  }
  const trials = [...byNumber.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([number, e]): StoredTrial => {
      const tag = e.tags['sweep_state'] ?? 'running';
      const state = tag === 'running' ? e.status : tag;
      const tagged = e.tags['sweep_value'] === undefined ? NaN : Number(e.tags['sweep_value']);
      const summary = e.summary[definition.metric];
      const value = !Number.isNaN(tagged) ? tagged : typeof summary === 'number' ? summary : null;
      return {
        number,
        state,
        params: e.config as Record<string, JsonValue>,
        value: state === 'completed' || state === 'pruned' ? value : null,
        experimentId: e.id,
        error: e.tags['sweep_error'] ?? e.error?.message ?? null,
        rerunAs: e.tags[TAG_RERUN_AS] === undefined ? null : Number(e.tags[TAG_RERUN_AS]),
      };
    });
  const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const last = mine[mine.length - 1] as Experiment;
  return { id, definition, trials, cliTrials: int(last.tags[TAG_CLI_TRIALS]), cliConcurrency: int(last.tags[TAG_CLI_CONCURRENCY]) };
}

/**
 * The best of some trials: the completed one with the lowest (minimize) or highest (maximize)
 * finite-or-infinite value; ties go to the earliest.
 *
 * @param trials - trials with a state and a value
 * @param direction - which way is better
 * @returns the best trial, or undefined when none completed
 * @example
 * ```ts
 * bestTrial([{ state: 'completed', value: 2 }, { state: 'completed', value: 1 }], 'minimize'); // the second
 * ```
 */
export function bestTrial<T extends { state: string; value: number | null | undefined }>(trials: readonly T[], direction: 'minimize' | 'maximize'): T | undefined {
  let best: T | undefined;
  for (const t of trials) {
    if (t.state !== 'completed' || typeof t.value !== 'number' || Number.isNaN(t.value)) continue;
    if (best === undefined || (direction === 'minimize' ? t.value < (best.value as number) : t.value > (best.value as number))) best = t;
  }
  return best;
}
