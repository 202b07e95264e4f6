/**
 * An exptrack experiment (a run) in MLflow's JSON, and MLflow's words for what exptrack stores:
 * statuses, system tags (`mlflow.runName` is the name, `mlflow.note.content` the notes), params (the
 * config, as strings) and the soft deletion MLflow has and exptrack does not (a tag).
 * @module
 */
import type { Experiment, ExperimentStatus, JsonValue, MetricSummary } from 'exptrack';
import { writeDouble } from './request-args.js';

/** The tag that marks a run deleted through the MLflow API (MLflow deletes softly; restore removes it). */
export const DELETED_TAG = 'exptrack.lifecycle';
/** MLflow's system tags that are columns of an exptrack experiment. */
export const RUN_NAME_TAG = 'mlflow.runName';
export const NOTE_TAG = 'mlflow.note.content';
export const USER_TAG = 'mlflow.user';

const TO_MLFLOW: Record<ExperimentStatus, string> = { running: 'RUNNING', completed: 'FINISHED', failed: 'FAILED', killed: 'KILLED', crashed: 'FAILED' };
const FROM_MLFLOW: Record<string, ExperimentStatus> = { RUNNING: 'running', SCHEDULED: 'running', FINISHED: 'completed', FAILED: 'failed', KILLED: 'killed' };

/** MLflow's status of a run (`crashed` is `FAILED`; the exptrack status stays readable as the tag `exptrack.status`). */
export function mlflowStatus(status: ExperimentStatus): string {
  return TO_MLFLOW[status];
}

/** exptrack's status for an MLflow status, or undefined for a word MLflow does not have. */
export function exptrackStatus(status: string): ExperimentStatus | undefined {
  return FROM_MLFLOW[status];
}

/** A config value as an MLflow param: strings as they are, anything else as JSON. */
export function paramText(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** Whether a run was deleted through the MLflow API. */
export function isDeleted(run: Experiment): boolean {
  return run.tags[DELETED_TAG] === 'deleted';
}

/** The tags MLflow shows: the stored ones, the name and notes as system tags, minus exptrack's marker. */
export function mlflowTags(run: Experiment): Record<string, string> {
  const tags: Record<string, string> = { ...run.tags, [RUN_NAME_TAG]: run.name };
  delete tags[DELETED_TAG];
  if (run.notes !== '') tags[NOTE_TAG] = run.notes;
  if (run.status === 'crashed') tags['exptrack.status'] = 'crashed';
  return tags;
}

/** A run's `info`. */
export function runInfoJson(run: Experiment, experimentId: string) {
  return {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.name,
    experiment_id: experimentId,
    user_id: run.tags[USER_TAG] ?? '',
    status: mlflowStatus(run.status),
    start_time: run.createdAt,
    ...(run.endedAt === null ? {} : { end_time: run.endedAt }),
    artifact_uri: `mlflow-artifacts:/${experimentId}/${run.id}/artifacts`,
    lifecycle_stage: isDeleted(run) ? 'deleted' : 'active',
  };
}

/** A whole run: info, the latest value of each metric, params and tags. */
export function runJson(run: Experiment, experimentId: string, summaries: readonly MetricSummary[]) {
  return {
    info: runInfoJson(run, experimentId),
    data: {
      metrics: summaries.map((s) => ({ key: s.key, value: writeDouble(s.last), timestamp: run.heartbeatAt ?? run.createdAt, step: s.lastStep })),
      params: Object.entries(run.config).map(([key, value]) => ({ key, value: paramText(value) })),
      tags: Object.entries(mlflowTags(run)).map(([key, value]) => ({ key, value })),
    },
    inputs: { dataset_inputs: [] },
  };
}
