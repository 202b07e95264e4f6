import type { ColumnType, Generated } from 'kysely';
import type { EnvironmentInfo, ExperimentConfig, GitInfo, JsonValue, RecordedError } from '../../core/types.js';

/**
 * The rows of the tables declared in `store-schema.ts`, as Kysely sees them in a dialect. `E` is how
 * the dialect hands over what SQL has no common type for: `'encoded'` (SQLite: JSON as text,
 * booleans as 0/1, NaN as NULL) or `'native'` (Postgres: jsonb parsed, booleans, NaN as is).
 * Times are milliseconds since the epoch; int8 columns are read as numbers.
 */
export type Encoding = 'encoded' | 'native';

type Json<E extends Encoding, T> = E extends 'encoded' ? string : T;
type Bool<E extends Encoding> = E extends 'encoded' ? number : boolean;
/** A float column that holds NaN: NULL in SQLite. */
type Float<E extends Encoding> = E extends 'encoded' ? number | null : number;

export interface ExperimentsTable<E extends Encoding> {
  id: string;
  name: string;
  notes: string;
  group_name: string | null;
  status: string;
  created_at: number;
  ended_at: number | null;
  heartbeat_at: number | null;
  config: Json<E, ExperimentConfig>;
  tags: Json<E, Record<string, string>>;
  summary: Json<E, Record<string, JsonValue>>;
  git: Json<E, GitInfo> | null;
  git_commit: string | null;
  environment: Json<E, EnvironmentInfo> | null;
  error: Json<E, RecordedError> | null;
}

export interface MetricSeriesTable {
  id: Generated<number>;
  experiment_id: string;
  key: string;
  count: ColumnType<number, number | undefined, number>;
  /** NULL until the first point. */
  first_step: number | null;
  last_step: number | null;
  /** NULL is NaN (also in Postgres, for a series' last value folded from NULL-only batches). */
  last_value: number | null;
  /** NULL while every value was NaN. */
  min_value: number | null;
  max_value: number | null;
}

export interface WritersTable {
  id: Generated<number>;
  experiment_id: string;
  /** Postgres only (write ledger): the backend instance that registered the writer. */
  session_key?: string;
  rank: number;
  pid: number;
  hostname: string;
  started_at: number;
}

export interface MetricPointsTable<E extends Encoding> {
  series_id: number;
  step: number;
  writer_id: number;
  seq: number;
  value: Float<E>;
  /** Milliseconds after the writer's started_at. */
  ts_offset: number;
}

export interface EvaluationsTable<E extends Encoding> {
  id: Generated<number>;
  experiment_id: string;
  benchmark: string;
  /** Non-finite values as the strings "NaN", "Infinity", "-Infinity". */
  metrics: Json<E, Record<string, number | string>>;
  metadata: Json<E, Record<string, JsonValue>>;
  step: number | null;
  sample_count: number;
  created_at: number;
}

export interface EvaluationSamplesTable<E extends Encoding> {
  evaluation_id: number;
  position: number;
  sample_id: string;
  prompt: string | null;
  output: string | null;
  extracted: string | null;
  gold: string | null;
  correct: Bool<E> | null;
  score: number | null;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
  attempt: number;
  metadata: Json<E, Record<string, JsonValue>> | null;
}

export interface CheckpointsTable<E extends Encoding> {
  id: Generated<number>;
  experiment_id: string;
  path: string;
  step: number | null;
  metrics: Json<E, Record<string, number | string>>;
  size_bytes: number;
  sha256: string;
  file_count: number;
  created_at: number;
}

export interface ResponseCacheTable {
  key: string;
  value: string;
  created_at: number;
}

/** Postgres only (write ledger): one row per backend instance, the last batch it committed. */
export interface WriteSessionsTable {
  key: string;
  last_batch: number;
  updated_at: number;
}

/** The group catalog (migration 0004). */
export interface GroupRecordsTable<E extends Encoding> {
  id: Generated<number>;
  name: string;
  group_name: string;
  deleted: Bool<E>;
  tags: Json<E, Record<string, string>>;
  created_at: number;
  updated_at: number;
}

/** Every table of a store in one dialect's encoding. */
export interface StoreTables<E extends Encoding> {
  experiments: ExperimentsTable<E>;
  metric_series: MetricSeriesTable;
  writers: WritersTable;
  metric_points: MetricPointsTable<E>;
  evaluations: EvaluationsTable<E>;
  evaluation_samples: EvaluationSamplesTable<E>;
  checkpoints: CheckpointsTable<E>;
  response_cache: ResponseCacheTable;
  write_sessions: WriteSessionsTable;
  group_records: GroupRecordsTable<E>;
}
