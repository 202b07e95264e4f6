import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { artifactMigration } from '../sql/artifact-migration.js';

/**
 * The Postgres schema's history: the tables of the SQLite store in Postgres types. A migration is
 * never edited once released: a change is a new entry. Names sort in the order they apply.
 */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('experiments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('group_name', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('heartbeat_at', 'bigint')
        .addColumn('config', 'jsonb', (c) => c.notNull())
        .addColumn('tags', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('summary', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('git', 'jsonb')
        .addColumn('git_commit', 'text')
        .addColumn('environment', 'jsonb')
        .addColumn('error', 'jsonb')
        .execute();
      await db.schema.createIndex('experiments_created_at').on('experiments').column('created_at').execute();
      await db.schema.createIndex('experiments_status').on('experiments').columns(['status', 'heartbeat_at']).execute();
      await db.schema.createIndex('experiments_group').on('experiments').column('group_name').execute();

      await db.schema
        .createTable('metric_series')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('first_step', 'bigint')
        .addColumn('last_step', 'bigint')
        .addColumn('last_value', 'double precision')
        .addColumn('min_value', 'double precision')
        .addColumn('max_value', 'double precision')
        .addUniqueConstraint('metric_series_experiment_key', ['experiment_id', 'key'])
        .execute();

      await db.schema
        .createTable('writers')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('session_key', 'text', (c) => c.notNull())
        .addColumn('rank', 'integer', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('writers_session_experiment_rank', ['session_key', 'experiment_id', 'rank'])
        .execute();
      await db.schema.createIndex('writers_experiment').on('writers').column('experiment_id').execute();

      // A point's key is its series, step, writer and the writer's sequence number: repeated
      // (key, step) points stay apart, and one point can never be stored twice.
      await db.schema
        .createTable('metric_points')
        .addColumn('series_id', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('writer_id', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('ts_offset', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('metric_points_pk', ['series_id', 'step', 'writer_id', 'seq'])
        .execute();

      await db.schema
        .createTable('evaluations')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('benchmark', 'text', (c) => c.notNull())
        .addColumn('metrics', 'jsonb', (c) => c.notNull())
        .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('step', 'bigint')
        .addColumn('sample_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('evaluations_experiment').on('evaluations').columns(['experiment_id', 'benchmark']).execute();
      await db.schema.createIndex('evaluations_benchmark').on('evaluations').column('benchmark').execute();

      await db.schema
        .createTable('evaluation_samples')
        .addColumn('evaluation_id', 'bigint', (c) => c.notNull().references('evaluations.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('sample_id', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text')
        .addColumn('output', 'text')
        .addColumn('extracted', 'text')
        .addColumn('gold', 'text')
        .addColumn('correct', 'boolean')
        .addColumn('score', 'double precision')
        .addColumn('latency_ms', 'double precision')
        .addColumn('prompt_tokens', 'bigint')
        .addColumn('completion_tokens', 'bigint')
        .addColumn('error', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('metadata', 'jsonb')
        .addPrimaryKeyConstraint('evaluation_samples_pk', ['evaluation_id', 'position'])
        .execute();

      await db.schema
        .createTable('checkpoints')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint')
        .addColumn('metrics', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('file_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('checkpoints_experiment').on('checkpoints').column('experiment_id').execute();

      await db.schema
        .createTable('response_cache')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      // The idempotency ledger of batched writes: one row per backend instance.
      await db.schema
        .createTable('write_sessions')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('last_batch', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0002_artifacts': artifactMigration('postgres'),
};

/** Serves the migrations from code, so nothing is read from disk at run time. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
