import { decodeNumbers } from '../../core/json-numbers.js';
import type { CheckpointRecord, EvaluationRecord, Experiment, ExperimentStatus, MetricSummary, StoredEvaluationSample } from '../../core/types.js';
import type { CheckpointsTable, EvaluationSamplesTable, EvaluationsTable, ExperimentsTable, MetricSeriesTable } from './schema.js';

/** Rows of the store, turned into the shared types. NULL metric values are NaN. */
export function toExperiment(row: ExperimentsTable): Experiment {
  return {
    id: row.id,
    name: row.name,
    notes: row.notes,
    group: row.group_name,
    config: JSON.parse(row.config),
    tags: JSON.parse(row.tags),
    status: row.status as ExperimentStatus,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    heartbeatAt: row.heartbeat_at,
    git: row.git === null ? null : JSON.parse(row.git),
    environment: row.environment === null ? null : JSON.parse(row.environment),
    summary: JSON.parse(row.summary),
    error: row.error === null ? null : JSON.parse(row.error),
  };
}

export function toMetricSummary(row: MetricSeriesTable): MetricSummary {
  return {
    experimentId: row.experiment_id,
    key: row.key,
    count: row.count,
    firstStep: row.first_step,
    lastStep: row.last_step,
    last: row.last_value ?? NaN,
    min: row.min_value ?? NaN,
    max: row.max_value ?? NaN,
  };
}

export function toEvaluation(row: EvaluationsTable): EvaluationRecord {
  return {
    experimentId: row.experiment_id,
    benchmark: row.benchmark,
    metrics: decodeNumbers(JSON.parse(row.metrics)),
    metadata: JSON.parse(row.metadata),
    step: row.step,
    sampleCount: row.sample_count,
    createdAt: row.created_at,
  };
}

export function toSample(row: EvaluationSamplesTable & { experiment_id: string; benchmark: string }): StoredEvaluationSample {
  const sample: StoredEvaluationSample = {
    experimentId: row.experiment_id,
    benchmark: row.benchmark,
    id: row.sample_id,
    prompt: row.prompt,
    output: row.output,
    extracted: row.extracted,
    gold: row.gold,
    correct: row.correct === null ? null : row.correct === 1,
    score: row.score,
    latencyMs: row.latency_ms,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    error: row.error,
    attempt: row.attempt,
  };
  if (row.metadata !== null) sample.metadata = JSON.parse(row.metadata);
  return sample;
}

export function toCheckpoint(row: CheckpointsTable): CheckpointRecord {
  return {
    experimentId: row.experiment_id,
    path: row.path,
    step: row.step,
    metrics: decodeNumbers(JSON.parse(row.metrics)),
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    fileCount: row.file_count,
    createdAt: row.created_at,
  };
}
