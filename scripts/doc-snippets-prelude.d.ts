// What the docs' snippets may use without defining it: the reader's own training code and a store
// or tracker made earlier in their program. Everything exptrack provides must be imported.
import type { Backend, EvaluationSample, ExperimentTracker, ReadableBackend } from 'exptrack';
import type { Objective, SearchSpace, Sweep } from 'exptrack/sweep';

declare global {
  /** One training step (or run, given params) of the reader's model: returns the loss. */
  function train(params?: Record<string, unknown>): number;
  /** The same, by another name. */
  function trainStep(): number;
  /** One epoch of the reader's training: returns the validation loss. */
  function trainOneEpoch(params: Record<string, unknown>): Promise<number>;
  const numSteps: number;
  /** Per-item evaluation rows the reader computed. */
  const samples: EvaluationSample[];
  /** A store the reader opened (any of exptrack's). */
  const store: ReadableBackend;
  /** Another backend, to import into. */
  const otherBackend: Backend;
  /** A tracker the reader made. */
  const tracker: ExperimentTracker;
  /** A sweep, its search space and its objective, as an earlier snippet of the same page made them. */
  const sweep: Sweep<SearchSpace>;
  const space: SearchSpace;
  const objective: Objective<SearchSpace>;
}

export {};
