/**
 * A stored sweep as `exptrack sweep show --json` and the dashboard's sweep page present it: its
 * definition, its trials, the best one and the parameter importance.
 * @module
 */
import type { ExperimentReader } from 'exptrack';
import type { ParameterImportance } from 'exptrack/sweep';
import { bestTrial, readStoredSweep, type StoredSweep, type StoredTrial } from './config.js';

/** What `sweep show --json` prints and `GET /api/sweeps/:id` answers. */
export interface SweepDetails {
  id: string;
  group: string;
  definition: StoredSweep['definition'];
  trials: StoredTrial[];
  best: StoredTrial | null;
  /** Most important first; null when it cannot be computed (`importanceNote` says why). */
  importance: ParameterImportance[] | null;
  importanceNote?: string;
}

/**
 * Reads a sweep and computes its best trial and parameter importance.
 *
 * @param store - the store its trials were logged to
 * @param id - the sweep id
 * @returns the details
 * @throws CliError when the store holds no sweep with that id
 * @example
 * ```ts
 * const { best, importance } = await sweepDetails(store, '20261127_035501_a1b2c3');
 * ```
 */
export async function sweepDetails(store: Pick<ExperimentReader, 'getAllExperiments'>, id: string): Promise<SweepDetails> {
  const { definition, trials } = await readStoredSweep(store, id);
  const { parameterImportance } = await import('exptrack/sweep');
  let importance: ParameterImportance[] | null = null;
  let importanceNote: string | undefined;
  try {
    importance = parameterImportance(
      trials.map((t) => ({
        number: t.number,
        params: t.params as Record<string, string | number | boolean | null>,
        state: t.state === 'completed' ? 'completed' : t.state === 'pruned' ? 'pruned' : t.state === 'running' ? 'running' : 'failed',
        value: t.value ?? undefined,
        reports: new Map<number, number>(),
      })),
    );
  } catch (error) {
    importanceNote = error instanceof Error ? error.message : String(error);
  }
  return {
    id,
    group: `sweep_${id}`,
    definition,
    trials,
    best: bestTrial(trials, definition.direction) ?? null,
    importance,
    ...(importanceNote === undefined ? {} : { importanceNote }),
  };
}
