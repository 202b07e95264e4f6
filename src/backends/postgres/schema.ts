import type { ColumnType, Generated } from 'kysely';
import type { EnvironmentInfo, ExperimentConfig, GitInfo, JsonValue, RecordedError } from '../../core/types.js';

/**
 * The tables of an exptrack store in Postgres, as Kysely sees them: the same tables and columns as
 * the SQLite store, with jsonb for JSON (read back parsed), double precision for values (NaN and
 * ±Infinity stored as is) and int8 for times and steps (read as numbers by the pool's type parser).
 */
export interface PgExperimentsTable {
  id: string;
  name: string;
  notes: string;
  group_name: string | null;
  status: string;
  created_at: number;
  ended_at: number | null;
  heartbeat_at: number | null;
  config: ExperimentConfig;
  tags: Record<string, string>;
  summary: Record<string, JsonValue>;
  git: GitInfo | null;
  git_commit: string | null;
  environment: EnvironmentInfo | null;
  error: RecordedError | null;
}

export interface PgMetricSeriesTable {
  id: Generated<number>;
  experiment_id: string;
  key: string;
  count: number;
  first_step: number | null;
  last_step: number | null;
  /** NaN is stored as NaN. */
  last_value: number | null;
  /** NULL while every value was NaN. */
  min_value: number | null;
  max_value: number | null;
}

export interface PgWritersTable {
  id: Generated<number>;
  experiment_id: string;
  /** The backend instance that registered the writer (a random UUID), for idempotent retries. */
  session_key: string;
  rank: number;
  pid: number;
  hostname: string;
  started_at: number;
}

export interface PgMetricPointsTable {
  series_id: number;
  step: number;
  writer_id: number;
  seq: number;
  /** NaN and ±Infinity are stored as is. */
  value: number;
  /** Milliseconds after the writer's started_at. */
  ts_offset: number;
}

export interface PgEvaluationsTable {
  id: Generated<number>;
  experiment_id: string;
  benchmark: string;
  /** Non-finite values as the strings "NaN", "Infinity", "-Infinity". */
  metrics: Record<string, number | string>;
  metadata: Record<string, JsonValue>;
  step: number | null;
  sample_count: number;
  created_at: number;
}

export interface PgEvaluationSamplesTable {
  evaluation_id: number;
  position: number;
  sample_id: string;
  prompt: string | null;
  output: string | null;
  extracted: string | null;
  gold: string | null;
  correct: boolean | null;
  score: number | null;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
  attempt: number;
  metadata: Record<string, JsonValue> | null;
}

export interface PgCheckpointsTable {
  id: Generated<number>;
  experiment_id: string;
  path: string;
  step: number | null;
  metrics: Record<string, number | string>;
  size_bytes: number;
  sha256: string;
  file_count: number;
  created_at: number;
}

export interface PgResponseCacheTable {
  key: string;
  value: string;
  created_at: number;
}

/** One row per backend instance: the last batch it committed, so that a retried batch is skipped. */
export interface PgWriteSessionsTable {
  key: string;
  last_batch: number;
  updated_at: ColumnType<number, number, number>;
}

export interface PgStoreSchema {
  experiments: PgExperimentsTable;
  metric_series: PgMetricSeriesTable;
  writers: PgWritersTable;
  metric_points: PgMetricPointsTable;
  evaluations: PgEvaluationsTable;
  evaluation_samples: PgEvaluationSamplesTable;
  checkpoints: PgCheckpointsTable;
  response_cache: PgResponseCacheTable;
  write_sessions: PgWriteSessionsTable;
}
