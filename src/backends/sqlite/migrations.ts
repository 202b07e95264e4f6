import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * The schema's history. A migration is never edited once released: a change is a new entry.
 * Names sort in the order they apply.
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
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .addColumn('ended_at', 'integer')
        .addColumn('heartbeat_at', 'integer')
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('summary', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('git', 'text')
        .addColumn('git_commit', 'text')
        .addColumn('environment', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('experiments_created_at').on('experiments').column('created_at').execute();
      await db.schema.createIndex('experiments_status').on('experiments').columns(['status', 'heartbeat_at']).execute();
      await db.schema.createIndex('experiments_group').on('experiments').column('group_name').execute();

      await db.schema
        .createTable('metric_series')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('first_step', 'integer')
        .addColumn('last_step', 'integer')
        .addColumn('last_value', 'real')
        .addColumn('min_value', 'real')
        .addColumn('max_value', 'real')
        .addUniqueConstraint('metric_series_experiment_key', ['experiment_id', 'key'])
        .execute();

      await db.schema
        .createTable('writers')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('rank', 'integer', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('started_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('writers_experiment').on('writers').column('experiment_id').execute();

      // Clustered by series then step, so a curve is one contiguous range; integer ids and a
      // per-writer sequence keep repeated (key, step) points apart without a rowid.
      await db.schema
        .createTable('metric_points')
        .addColumn('series_id', 'integer', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('writer_id', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('value', 'real')
        .addColumn('ts_offset', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('metric_points_pk', ['series_id', 'step', 'writer_id', 'seq'])
        .modifyEnd(sql`without rowid`)
        .execute();

      await db.schema
        .createTable('evaluations')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('benchmark', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('step', 'integer')
        .addColumn('sample_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('evaluations_experiment').on('evaluations').columns(['experiment_id', 'benchmark']).execute();
      await db.schema.createIndex('evaluations_benchmark').on('evaluations').column('benchmark').execute();

      await db.schema
        .createTable('evaluation_samples')
        .addColumn('evaluation_id', 'integer', (c) => c.notNull().references('evaluations.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('sample_id', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text')
        .addColumn('output', 'text')
        .addColumn('extracted', 'text')
        .addColumn('gold', 'text')
        .addColumn('correct', 'integer')
        .addColumn('score', 'real')
        .addColumn('latency_ms', 'real')
        .addColumn('prompt_tokens', 'integer')
        .addColumn('completion_tokens', 'integer')
        .addColumn('error', 'text')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('metadata', 'text')
        .addPrimaryKeyConstraint('evaluation_samples_pk', ['evaluation_id', 'position'])
        .execute();

      await db.schema
        .createTable('checkpoints')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('step', 'integer')
        .addColumn('metrics', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('size_bytes', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('file_count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('checkpoints_experiment').on('checkpoints').column('experiment_id').execute();

      await db.schema
        .createTable('response_cache')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '0002_write_sessions': {
    async up(db: Kysely<unknown>) {
      // The idempotency ledger of batched writes (a tracking server's clients): one row per session.
      await db.schema
        .createTable('write_sessions')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('last_batch', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};

/** The name of the newest migration: a store whose newest applied migration has it is up to date. */
export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1)!;

/** Serves the migrations from code, so nothing is read from disk at run time. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
