import { sql, type Kysely, type Migration } from 'kysely';

/**
 * `0003_artifacts` of both SQL stores, declared once: artifact versions and their files, artifact
 * uses (lineage) and media per step; on Postgres also the chunked-rows blob store (`blobs`,
 * `blob_chunks`), used when no S3 bucket is configured. SQLite keeps its bytes in a directory.
 * The dialects differ only in the types of 64-bit integers and JSON, and in the generated id.
 */
export function artifactMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const int64 = dialect === 'postgres' ? 'bigint' : 'integer';
  const json = dialect === 'postgres' ? 'jsonb' : 'text';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('artifacts')
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('type', 'text')
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('size', int64, (c) => c.notNull())
        .addColumn('metadata', json, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('step', int64)
        .addColumn('created_at', int64, (c) => c.notNull())
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
        .addColumn('size', int64, (c) => c.notNull())
        .addPrimaryKeyConstraint('artifact_files_pk', ['experiment_id', 'name', 'version', 'position'])
        .execute();
      await db.schema.createIndex('artifact_files_digest').on('artifact_files').column('digest').execute();

      await db.schema
        .createTable('artifact_uses')
        .addColumn('id', int64, (c) => (dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey()))
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('source_experiment_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('used_at', int64, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('artifact_uses_experiment').on('artifact_uses').column('experiment_id').execute();
      await db.schema.createIndex('artifact_uses_source').on('artifact_uses').column('source_experiment_id').execute();

      await db.schema
        .createTable('media')
        .addColumn('experiment_id', 'text', (c) => c.notNull().references('experiments.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('step', int64, (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('caption', 'text')
        // Text, not jsonb: a table cell may hold any string, and jsonb refuses \u0000.
        .addColumn('value', 'text')
        .addColumn('media_type', 'text')
        .addColumn('digest', 'text')
        .addColumn('size', int64)
        .addColumn('created_at', int64, (c) => c.notNull())
        .addPrimaryKeyConstraint('media_pk', ['experiment_id', 'key', 'step'])
        .execute();
      await db.schema.createIndex('media_digest').on('media').column('digest').execute();

      if (dialect !== 'postgres') return;
      // A blob is visible once its `blobs` row exists, which is written after its last chunk: the
      // chunks of an upload that never finished belong to no blob.
      await db.schema
        .createTable('blob_chunks')
        .addColumn('upload_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', 'bytea', (c) => c.notNull())
        .addPrimaryKeyConstraint('blob_chunks_pk', ['upload_id', 'seq'])
        .execute();
      await db.schema
        .createTable('blobs')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('upload_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull().defaultTo(sql`0`))
        .execute();
    },
  };
}
