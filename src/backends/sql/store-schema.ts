/**
 * The tables of an exptrack store, declared once as data for both SQL dialects. A column has a
 * logical type; each dialect's {@link StoreDialect} maps it to its own (`json` is JSON text in
 * SQLite and `jsonb` in Postgres, `int64` is `integer` and `bigint`, ...). Migrations create
 * tables from these declarations (see `create-table.ts`); the TypeScript row types the queries
 * see are in `store-tables.ts`.
 *
 * A declaration that a released migration uses is history: to change the schema, declare the new
 * table (or column) and add a migration that creates it, never edit what shipped.
 * Documented in docs/EXPERIMENT_TRACKING_DESIGN.md ("Adding a table or a column").
 */

/**
 * What a column holds, whatever the database: `id` is an auto-numbered 64-bit primary key, `float`
 * a double (NaN and ±Infinity included), `json` a JSON document, `bool` a boolean.
 */
export type LogicalType = 'text' | 'int32' | 'int64' | 'float' | 'json' | 'bool' | 'id';

/**
 * What only some dialects store: `writeLedger` is the Postgres write-session ledger that makes a
 * retried batch apply once (SQLite needs none: its writes never retry after a commit).
 */
export type DialectFeature = 'writeLedger' | 'outlineBlocks';

export interface ColumnSpec {
  readonly name: string;
  readonly type: LogicalType;
  readonly notNull?: boolean;
  readonly primaryKey?: boolean;
  /** A default, as the JSON text for `json` columns. */
  readonly default?: string | number;
  /** `table.column` of the row this one belongs to; deleting that row deletes this one. */
  readonly references?: string;
  /** Stored only by dialects that have this feature. */
  readonly feature?: DialectFeature;
}

export interface KeySpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly feature?: DialectFeature;
}

export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  /** A primary key over several columns (a one-column key is `primaryKey` on the column). */
  readonly primaryKey?: KeySpec;
  readonly unique?: readonly KeySpec[];
  readonly indexes?: readonly KeySpec[];
  /** Rows stored in primary key order (SQLite `WITHOUT ROWID`), so a range of the key is contiguous. */
  readonly clustered?: boolean;
  readonly feature?: DialectFeature;
}

const experimentId: ColumnSpec = { name: 'experiment_id', type: 'text', notNull: true, references: 'experiments.id' };

export const experiments: TableSpec = {
  name: 'experiments',
  columns: [
    { name: 'id', type: 'text', primaryKey: true },
    { name: 'name', type: 'text', notNull: true },
    { name: 'notes', type: 'text', notNull: true, default: '' },
    { name: 'group_name', type: 'text' },
    { name: 'status', type: 'text', notNull: true },
    { name: 'created_at', type: 'int64', notNull: true },
    { name: 'ended_at', type: 'int64' },
    { name: 'heartbeat_at', type: 'int64' },
    { name: 'config', type: 'json', notNull: true },
    { name: 'tags', type: 'json', notNull: true, default: '{}' },
    { name: 'summary', type: 'json', notNull: true, default: '{}' },
    { name: 'git', type: 'json' },
    { name: 'git_commit', type: 'text' },
    { name: 'environment', type: 'json' },
    { name: 'error', type: 'json' },
  ],
  indexes: [
    { name: 'experiments_created_at', columns: ['created_at'] },
    { name: 'experiments_status', columns: ['status', 'heartbeat_at'] },
    { name: 'experiments_group', columns: ['group_name'] },
  ],
};

/** One row per (experiment, metric key), with figures kept up to date as points arrive. */
export const metricSeries: TableSpec = {
  name: 'metric_series',
  columns: [
    { name: 'id', type: 'id', primaryKey: true },
    experimentId,
    { name: 'key', type: 'text', notNull: true },
    { name: 'count', type: 'int64', notNull: true, default: 0 },
    { name: 'first_step', type: 'int64' },
    { name: 'last_step', type: 'int64' },
    { name: 'last_value', type: 'float' },
    /** NULL while every value was NaN. */
    { name: 'min_value', type: 'float' },
    { name: 'max_value', type: 'float' },
  ],
  unique: [{ name: 'metric_series_experiment_key', columns: ['experiment_id', 'key'] }],
};

/** A process (or rank) that logged points; points keep their time as an offset from its start. */
export const writers: TableSpec = {
  name: 'writers',
  columns: [
    { name: 'id', type: 'id', primaryKey: true },
    experimentId,
    /** The backend instance that registered the writer (a random UUID), for idempotent retries. */
    { name: 'session_key', type: 'text', notNull: true, feature: 'writeLedger' },
    { name: 'rank', type: 'int32', notNull: true },
    { name: 'pid', type: 'int32', notNull: true },
    { name: 'hostname', type: 'text', notNull: true },
    { name: 'started_at', type: 'int64', notNull: true },
  ],
  unique: [{ name: 'writers_session_experiment_rank', columns: ['session_key', 'experiment_id', 'rank'], feature: 'writeLedger' }],
  indexes: [{ name: 'writers_experiment', columns: ['experiment_id'] }],
};

/**
 * Clustered by series then step, so a curve is one contiguous range; a point's key is its series,
 * step, writer and the writer's sequence number, so repeated (key, step) points stay apart and one
 * point is never stored twice. No foreign key (it would cost an index): deletes remove points first.
 */
export const metricPoints: TableSpec = {
  name: 'metric_points',
  columns: [
    { name: 'series_id', type: 'int64', notNull: true },
    { name: 'step', type: 'int64', notNull: true },
    { name: 'writer_id', type: 'int64', notNull: true },
    { name: 'seq', type: 'int64', notNull: true },
    { name: 'value', type: 'float', notNull: true },
    /** Milliseconds after the writer's started_at. */
    { name: 'ts_offset', type: 'int64', notNull: true },
  ],
  primaryKey: { name: 'metric_points_pk', columns: ['series_id', 'step', 'writer_id', 'seq'] },
  clustered: true,
};

export const evaluations: TableSpec = {
  name: 'evaluations',
  columns: [
    { name: 'id', type: 'id', primaryKey: true },
    experimentId,
    { name: 'benchmark', type: 'text', notNull: true },
    /** Non-finite values as the strings "NaN", "Infinity", "-Infinity". */
    { name: 'metrics', type: 'json', notNull: true },
    { name: 'metadata', type: 'json', notNull: true, default: '{}' },
    { name: 'step', type: 'int64' },
    { name: 'sample_count', type: 'int32', notNull: true },
    { name: 'created_at', type: 'int64', notNull: true },
  ],
  indexes: [
    { name: 'evaluations_experiment', columns: ['experiment_id', 'benchmark'] },
    { name: 'evaluations_benchmark', columns: ['benchmark'] },
  ],
};

export const evaluationSamples: TableSpec = {
  name: 'evaluation_samples',
  columns: [
    { name: 'evaluation_id', type: 'int64', notNull: true, references: 'evaluations.id' },
    { name: 'position', type: 'int32', notNull: true },
    { name: 'sample_id', type: 'text', notNull: true },
    { name: 'prompt', type: 'text' },
    { name: 'output', type: 'text' },
    { name: 'extracted', type: 'text' },
    { name: 'gold', type: 'text' },
    { name: 'correct', type: 'bool' },
    { name: 'score', type: 'float' },
    { name: 'latency_ms', type: 'float' },
    { name: 'prompt_tokens', type: 'int64' },
    { name: 'completion_tokens', type: 'int64' },
    { name: 'error', type: 'text' },
    { name: 'attempt', type: 'int32', notNull: true, default: 0 },
    { name: 'metadata', type: 'json' },
  ],
  primaryKey: { name: 'evaluation_samples_pk', columns: ['evaluation_id', 'position'] },
};

export const checkpoints: TableSpec = {
  name: 'checkpoints',
  columns: [
    { name: 'id', type: 'id', primaryKey: true },
    experimentId,
    { name: 'path', type: 'text', notNull: true },
    { name: 'step', type: 'int64' },
    { name: 'metrics', type: 'json', notNull: true, default: '{}' },
    { name: 'size_bytes', type: 'int64', notNull: true },
    { name: 'sha256', type: 'text', notNull: true },
    { name: 'file_count', type: 'int32', notNull: true },
    { name: 'created_at', type: 'int64', notNull: true },
  ],
  indexes: [{ name: 'checkpoints_experiment', columns: ['experiment_id'] }],
};

export const responseCache: TableSpec = {
  name: 'response_cache',
  columns: [
    { name: 'key', type: 'text', primaryKey: true },
    { name: 'value', type: 'text', notNull: true },
    { name: 'created_at', type: 'int64', notNull: true },
  ],
};

/** The idempotency ledger of batched writes: one row per backend instance, its last committed batch. */
export const writeSessions: TableSpec = {
  name: 'write_sessions',
  feature: 'writeLedger',
  columns: [
    { name: 'key', type: 'text', primaryKey: true },
    { name: 'last_batch', type: 'int64', notNull: true },
    { name: 'updated_at', type: 'int64', notNull: true },
  ],
};

/**
 * The group catalog (migration 0004): named groups that exist before or without runs, such as the
 * experiments of the MLflow-compatible API. `group_name` is what the runs carry; `name` may change.
 */
export const groupRecords: TableSpec = {
  name: 'group_records',
  columns: [
    { name: 'id', type: 'id', primaryKey: true },
    { name: 'name', type: 'text', notNull: true },
    { name: 'group_name', type: 'text', notNull: true },
    { name: 'deleted', type: 'bool', notNull: true },
    { name: 'tags', type: 'json', notNull: true, default: '{}' },
    { name: 'created_at', type: 'int64', notNull: true },
    { name: 'updated_at', type: 'int64', notNull: true },
  ],
  unique: [{ name: 'group_records_name', columns: ['name'] }],
};

/** The tables of the first release, in the order migration 0001 creates them. */
export const INITIAL_TABLES: readonly TableSpec[] = [experiments, metricSeries, writers, metricPoints, evaluations, evaluationSamples, checkpoints, responseCache, writeSessions];
