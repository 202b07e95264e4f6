import type { ExperimentChanges } from './backend.js';
import type { Experiment } from './types.js';

/**
 * Applies changes to an experiment the way every backend must: tags and summary merge (a tag
 * mapped to null is removed), the other fields replace. Returns a new object.
 */
export function applyExperimentChanges(experiment: Experiment, changes: ExperimentChanges): Experiment {
  const next: Experiment = { ...experiment };
  if (changes.status !== undefined) next.status = changes.status;
  if (changes.endedAt !== undefined) next.endedAt = changes.endedAt;
  if (changes.heartbeatAt !== undefined) next.heartbeatAt = changes.heartbeatAt;
  if (changes.name !== undefined) next.name = changes.name;
  if (changes.notes !== undefined) next.notes = changes.notes;
  if (changes.error !== undefined) next.error = changes.error;
  if (changes.tags !== undefined) next.tags = mergeTags(experiment.tags, changes.tags);
  if (changes.summary !== undefined) next.summary = { ...experiment.summary, ...changes.summary };
  if (changes.config !== undefined) next.config = { ...changes.config, ...experiment.config };
  return next;
}

/** Merges tag changes into tags; a key mapped to null is removed. */
export function mergeTags(tags: Record<string, string>, changes: Record<string, string | null>): Record<string, string> {
  const merged = { ...tags };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

/**
 * A heartbeat from a run that was marked crashed (its heartbeat had looked stale) proves it alive:
 * the run goes back to running. Returns the changes to apply.
 */
export function reviveOnHeartbeat(status: Experiment['status'], changes: ExperimentChanges): ExperimentChanges {
  const revived = changes.heartbeatAt !== undefined && changes.status === undefined && status === 'crashed';
  return revived ? { ...changes, status: 'running', endedAt: null } : changes;
}
