import type { Kysely, Migration } from 'kysely';

/**
 * `0002_artifacts`: artifact versions and their files, artifact uses (lineage) and media per step.
 * The bytes live in the blob directory beside the store; these rows name them by digest.
 */
export const artifactMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('artifacts')
      .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('type', 'text')
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('step', 'integer')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('artifacts_pk', ['experiment_id', 'name', 'version'])
      .execute();

    await db.schema
      .createTable('artifact_files')
      .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('artifact_files_pk', ['experiment_id', 'name', 'version', 'position'])
      .execute();
    await db.schema.createIndex('artifact_files_digest').on('artifact_files').column('digest').execute();

    await db.schema
      .createTable('artifact_uses')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
      .addColumn('source_experiment_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('used_at', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('artifact_uses_experiment').on('artifact_uses').column('experiment_id').execute();
    await db.schema.createIndex('artifact_uses_source').on('artifact_uses').column('source_experiment_id').execute();

    await db.schema
      .createTable('media')
      .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('step', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('caption', 'text')
      .addColumn('value', 'text')
      .addColumn('media_type', 'text')
      .addColumn('digest', 'text')
      .addColumn('size', 'integer')
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('media_pk', ['experiment_id', 'key', 'step'])
      .execute();
    await db.schema.createIndex('media_digest').on('media').column('digest').execute();
  },
};
