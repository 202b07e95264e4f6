/**
 * Changing a stored experiment's tags or notes through the tracker's public API: the CLI joins the
 * experiment as a child process would (`EXPTRACK_EXPERIMENT_ID`), so its status is left alone and
 * the tracker's validation applies.
 * @module
 */
import type { ExperimentTracker } from 'exptrack';
import type { CliStore } from './open-store.js';

/**
 * Runs `change` with a strict tracker attached to the experiment, then flushes and detaches.
 *
 * @param store - the store the experiment is in
 * @param id - the experiment's full id
 * @param change - what to do with the tracker (`setTags`, `setNotes`)
 * @throws ExptrackError `invalid_input` for a bad tag key or value, or when the write fails
 * @example
 * ```ts
 * await updateExperiment(store, id, (t) => t.setTags({ reproduces: 'exp_1' }));
 * ```
 */
export async function updateExperiment(store: CliStore, id: string, change: (tracker: ExperimentTracker) => void): Promise<void> {
  const { ExperimentTracker } = await import('exptrack');
  const tracker = new ExperimentTracker({ backends: [store], strict: true, handleProcessEvents: false, captureGit: false, captureEnvironment: false });
  const previous = process.env.EXPTRACK_EXPERIMENT_ID;
  process.env.EXPTRACK_EXPERIMENT_ID = id;
  try {
    await tracker.startExperiment();
  } finally {
    if (previous === undefined) delete process.env.EXPTRACK_EXPERIMENT_ID;
    else process.env.EXPTRACK_EXPERIMENT_ID = previous;
  }
  try {
    change(tracker);
  } finally {
    await tracker.finishExperiment();
  }
}
