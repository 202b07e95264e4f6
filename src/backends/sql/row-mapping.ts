import type { Selectable } from 'kysely';
import { decodeNumbers } from '../../core/json-numbers.js';
import type { CheckpointRecord, EvaluationRecord, Experiment, ExperimentStatus, MetricSummary, StoredEvaluationSample } from '../../core/types.js';
import type { StoreDialect } from './store-dialect.js';
import type { CheckpointsTable, EvaluationSamplesTable, EvaluationsTable, Encoding, ExperimentsTable, MetricSeriesTable } from './store-tables.js';

/**
 * Rows of either SQL store, turned into the shared types: JSON and booleans through the dialect,
 * NULL metric figures as NaN.
 *
 * @example
 * ```ts
 * const run = toExperiment(row, sqliteStoreDialect);
 * ```
 */
export function toExperiment(row: Selectable<ExperimentsTable<Encoding>>, dialect: StoreDialect): Experiment {
  const json = <T>(stored: unknown) => (stored === null ? null : dialect.readJson<T>(stored)) as T;
  return {
    id: row.id,
    name: row.name,
    notes: row.notes,
    group: row.group_name,
    config: json(row.config),
    tags: json(row.tags),
    status: row.status as ExperimentStatus,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    heartbeatAt: row.heartbeat_at,
    git: json(row.git),
    environment: json(row.environment),
    summary: json(row.summary),
    error: json(row.error),
  };
}

/** A series' figures (a series read has at least one point, so its steps are set). */
export function toMetricSummary(row: Omit<Selectable<MetricSeriesTable>, 'id'>): MetricSummary {
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

export function toEvaluation(row: Omit<Selectable<EvaluationsTable<Encoding>>, 'id'>, dialect: StoreDialect): EvaluationRecord {
  return {
    experimentId: row.experiment_id,
    benchmark: row.benchmark,
    metrics: decodeNumbers(dialect.readJson(row.metrics)),
    metadata: dialect.readJson(row.metadata),
    step: row.step,
    sampleCount: row.sample_count,
    createdAt: row.created_at,
  };
}

export function toSample(row: Selectable<EvaluationSamplesTable<Encoding>> & { experiment_id: string; benchmark: string }, dialect: StoreDialect): StoredEvaluationSample {
  const sample: StoredEvaluationSample = {
    experimentId: row.experiment_id,
    benchmark: row.benchmark,
    id: row.sample_id,
    prompt: row.prompt,
    output: row.output,
    extracted: row.extracted,
    gold: row.gold,
    correct: dialect.readBool(row.correct),
    score: row.score,
    latencyMs: row.latency_ms,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    error: row.error,
    attempt: row.attempt,
  };
  if (row.metadata !== null) sample.metadata = dialect.readJson(row.metadata);
  return sample;
}

export function toCheckpoint(row: Omit<Selectable<CheckpointsTable<Encoding>>, 'id'>, dialect: StoreDialect): CheckpointRecord {
  return {
    experimentId: row.experiment_id,
    path: row.path,
    step: row.step,
    metrics: decodeNumbers(dialect.readJson(row.metrics)),
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    fileCount: row.file_count,
    createdAt: row.created_at,
  };
}
