import { decodeNumbers } from '../../core/json-numbers.js';
import type { CheckpointRecord, EvaluationRecord, Experiment, ExperimentStatus, MetricSummary, StoredEvaluationSample } from '../../core/types.js';
import type { PgCheckpointsTable, PgEvaluationSamplesTable, PgEvaluationsTable, PgExperimentsTable, PgMetricSeriesTable } from './schema.js';

/** Rows of the Postgres store, turned into the shared types. `pg` returns jsonb already parsed. */
export function toExperiment(row: PgExperimentsTable): Experiment {
  return {
    id: row.id,
    name: row.name,
    notes: row.notes,
    group: row.group_name,
    config: row.config,
    tags: row.tags,
    status: row.status as ExperimentStatus,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    heartbeatAt: row.heartbeat_at,
    git: row.git,
    environment: row.environment,
    summary: row.summary,
    error: row.error,
  };
}

export function toMetricSummary(row: Omit<PgMetricSeriesTable, 'id'>): MetricSummary {
  return {
    experimentId: row.experiment_id,
    key: row.key,
    count: row.count,
    firstStep: row.first_step ?? 0,
    lastStep: row.last_step ?? 0,
    last: row.last_value ?? NaN,
    min: row.min_value ?? NaN,
    max: row.max_value ?? NaN,
  };
}

export function toEvaluation(row: Omit<PgEvaluationsTable, 'id'>): EvaluationRecord {
  return {
    experimentId: row.experiment_id,
    benchmark: row.benchmark,
    metrics: decodeNumbers(row.metrics),
    metadata: row.metadata,
    step: row.step,
    sampleCount: row.sample_count,
    createdAt: row.created_at,
  };
}

export function toSample(row: PgEvaluationSamplesTable & { experiment_id: string; benchmark: string }): StoredEvaluationSample {
  const sample: StoredEvaluationSample = {
    experimentId: row.experiment_id,
    benchmark: row.benchmark,
    id: row.sample_id,
    prompt: row.prompt,
    output: row.output,
    extracted: row.extracted,
    gold: row.gold,
    correct: row.correct,
    score: row.score,
    latencyMs: row.latency_ms,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    error: row.error,
    attempt: row.attempt,
  };
  if (row.metadata !== null) sample.metadata = row.metadata;
  return sample;
}

export function toCheckpoint(row: Omit<PgCheckpointsTable, 'id'>): CheckpointRecord {
  return {
    experimentId: row.experiment_id,
    path: row.path,
    step: row.step,
    metrics: decodeNumbers(row.metrics),
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    fileCount: row.file_count,
    createdAt: row.created_at,
  };
}
