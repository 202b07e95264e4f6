/**
 * Reading and writing one run for the MLflow endpoints: MLflow's "not found" and "must be active"
 * answers, and writes straight to the store (each request is its own batch).
 * @module
 */
import type { Experiment, TrackerEvent } from 'exptrack';
import { doesNotExist, invalidValue } from './mlflow-error.js';
import type { MlflowStore } from './experiment-catalog.js';
import { isDeleted } from './run-mapping.js';

/** One run's reads and writes. */
export class RunAccess {
  constructor(readonly store: MlflowStore) {}

  /** @throws MlflowError 404 `Run with id=… not found` */
  async get(id: string): Promise<Experiment> {
    const run = await this.store.getExperiment(id);
    if (run === undefined) throw doesNotExist(`Run with id=${id} not found`);
    return run;
  }

  /** A run that may be logged to. @throws MlflowError 400 when it was deleted */
  async active(id: string): Promise<Experiment> {
    const run = await this.get(id);
    if (isDeleted(run)) throw invalidValue(`The run ${id} must be in the 'active' state. Current state is deleted.`);
    return run;
  }

  /** Writes events as one batch. */
  async write(events: readonly TrackerEvent[]): Promise<void> {
    if (events.length > 0) await this.store.write(events);
  }
}
