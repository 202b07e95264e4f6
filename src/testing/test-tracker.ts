import { ExperimentTracker } from 'exptrack';
import type { ExptrackError, TrackerOptions } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';

/** A tracker over a memory backend, with every reported error collected. */
export interface TestTracker {
  tracker: ExperimentTracker;
  backend: MemoryBackend;
  /** Everything the tracker reported through onError, in order. */
  errors: ExptrackError[];
}

/**
 * A tracker for tests: a memory backend, no git or environment capture, no process hooks, and
 * errors collected instead of printed.
 *
 * @example
 * ```ts
 * import { createTestTracker } from 'exptrack/testing';
 * const { tracker, backend, errors } = createTestTracker();
 * const id = await tracker.startExperiment({ learning_rate: 0.1 });
 * tracker.logMetrics({ loss: 1 }, 0);
 * await tracker.flush();
 * (await backend.getMetrics(id)).length; // 1
 * ```
 */
export function createTestTracker(options: Omit<TrackerOptions, 'backends' | 'onError'> = {}): TestTracker {
  const backend = new MemoryBackend();
  const errors: ExptrackError[] = [];
  const tracker = new ExperimentTracker({
    captureGit: false,
    captureEnvironment: false,
    handleProcessEvents: false,
    ...options,
    backends: [backend],
    onError: (error) => errors.push(error),
  });
  return { tracker, backend, errors };
}
