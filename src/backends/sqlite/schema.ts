/** The tables of an exptrack store, as Kysely sees them. Documented in docs/EXPERIMENT_TRACKING_DESIGN.md. */
export interface ExperimentsTable {
  id: string;
  name: string;
  notes: string;
  group_name: string | null;
  status: string;
  created_at: number;
  ended_at: number | null;
  heartbeat_at: number | null;
  config: string;
  tags: string;
  summary: string;
  git: string | null;
  git_commit: string | null;
  environment: string | null;
  error: string | null;
}

export interface MetricSeriesTable {
  id: number;
  experiment_id: string;
  key: string;
  count: number;
  first_step: number;
  last_step: number;
  /** NULL means NaN. */
  last_value: number | null;
  /** NULL while every value was NaN. */
  min_value: number | null;
  max_value: number | null;
}

export interface WritersTable {
  id: number;
  experiment_id: string;
  rank: number;
  pid: number;
  hostname: string;
  started_at: number;
}

export interface MetricPointsTable {
  series_id: number;
  step: number;
  writer_id: number;
  seq: number;
  /** NULL means NaN; ±Infinity is stored as is. */
  value: number | null;
  /** Milliseconds after the writer's started_at. */
  ts_offset: number;
}

export interface EvaluationsTable {
  id: number;
  experiment_id: string;
  benchmark: string;
  metrics: string;
  metadata: string;
  step: number | null;
  sample_count: number;
  created_at: number;
}

export interface EvaluationSamplesTable {
  evaluation_id: number;
  position: number;
  sample_id: string;
  prompt: string | null;
  output: string | null;
  extracted: string | null;
  gold: string | null;
  correct: number | null;
  score: number | null;
  latency_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  error: string | null;
  attempt: number;
  metadata: string | null;
}

export interface CheckpointsTable {
  id: number;
  experiment_id: string;
  path: string;
  step: number | null;
  metrics: string;
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

export interface StoreSchema {
  experiments: ExperimentsTable;
  metric_series: MetricSeriesTable;
  writers: WritersTable;
  metric_points: MetricPointsTable;
  evaluations: EvaluationsTable;
  evaluation_samples: EvaluationSamplesTable;
  checkpoints: CheckpointsTable;
  response_cache: ResponseCacheTable;
}
