/**
 * The sweeps a store holds, one summary each, read from their trials' tags: what `exptrack sweep
 * list` prints.
 * @module
 */
import type { ExperimentReader, JsonValue } from 'exptrack';
import { bestTrial } from './config.js';

/** One sweep of a store. */
export interface SweepSummary {
  id: string;
  /** The experiment group of its trials: `sweep_<id>`. */
  group: string;
  metric: string | null;
  direction: 'minimize' | 'maximize' | null;
  trials: number;
  /** Trials by state: `completed`, `pruned`, `failed`, `running`… */
  states: Record<string, number>;
  /** The best completed trial's value, or null. */
  best: number | null;
  bestExperimentId: string | null;
  /** When its first trial started and its last trial started, in milliseconds since the epoch. */
  createdAt: number;
  lastTrialAt: number;
}

/**
 * Every sweep of the store, newest first.
 *
 * @param store - the store
 * @returns one summary per sweep id
 * @example
 * ```ts
 * const sweeps = await listSweeps(store);
 * sweeps[0]; // { id: '20261127_035501_a1b2c3', trials: 20, best: 0.0004, … }
 * ```
 */
export async function listSweeps(store: Pick<ExperimentReader, 'getAllExperiments'>): Promise<SweepSummary[]> {
  const trials = await store.getAllExperiments({ where: { kind: 'exists', field: { scope: 'tags', key: 'sweep_id' }, negated: false }, sort: 'created', direction: 'asc' });
  const sweeps = new Map<string, SweepSummary & { values: Array<{ state: string; value: number | null; id: string }> }>();
  for (const e of trials) {
    const id = e.tags['sweep_id'] as string;
    if (e.group !== `sweep_${id}` || e.tags['sweep_trial'] === undefined) continue;
    const sweep = sweeps.get(id) ?? { ...emptySweep(id, e.createdAt), values: [] };
    const definition = e.summary['sweep'];
    if (sweep.metric === null && isRecord(definition)) {
      sweep.metric = typeof definition['metric'] === 'string' ? definition['metric'] : 'objective';
      sweep.direction = definition['direction'] === 'minimize' || definition['direction'] === 'maximize' ? definition['direction'] : null;
    }
    const tagged = e.tags['sweep_state'] ?? 'running';
    const state = tagged === 'running' ? e.status : tagged;
    sweep.trials += 1;
    sweep.states[state] = (sweep.states[state] ?? 0) + 1;
    sweep.lastTrialAt = Math.max(sweep.lastTrialAt, e.createdAt);
    const value = e.tags['sweep_value'] === undefined ? null : Number(e.tags['sweep_value']);
    sweep.values.push({ state, value, id: e.id });
    sweeps.set(id, sweep);
  }
  return [...sweeps.values()]
    .map(({ values, ...sweep }) => {
      const best = sweep.direction === null ? undefined : bestTrial(values, sweep.direction);
      return { ...sweep, best: best?.value ?? null, bestExperimentId: best?.id ?? null };
    })
    .sort((a, b) => b.createdAt - a.createdAt);
}

function emptySweep(id: string, createdAt: number): SweepSummary {
  return { id, group: `sweep_${id}`, metric: null, direction: null, trials: 0, states: {}, best: null, bestExperimentId: null, createdAt, lastTrialAt: createdAt };
}

function isRecord(value: JsonValue | undefined): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
