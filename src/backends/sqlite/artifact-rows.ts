import type { ArtifactEvent, ArtifactLineage, ArtifactRecord, MediaKey, MediaRecord } from '../../core/artifacts.js';
import { ExptrackError } from '../../core/errors.js';
import type { ArtifactIndex } from '../../artifacts/artifact-store.js';
import { artifactRows, mediaRow, toArtifacts, toMedia, toUse, useRow, type ArtifactFileRow, type ArtifactRow, type ArtifactUseRow, type MediaRow } from '../sql/artifact-rows.js';
import type { SqliteConnection, SqliteStatement } from './sqlite-driver.js';

/** Applies artifact, use and media events inside the event writer's transaction. */
export class ArtifactRowWriter {
  private readonly insertArtifact: SqliteStatement;
  private readonly insertFile: SqliteStatement;
  private readonly insertUse: SqliteStatement;
  private readonly upsertMedia: SqliteStatement;

  constructor(db: SqliteConnection) {
    this.insertArtifact = db.prepare(`INSERT INTO artifacts (experiment_id, name, version, kind, type, digest, size, metadata, step, created_at)
      VALUES (@experiment_id, @name, @version, @kind, @type, @digest, @size, @metadata, @step, @created_at)`);
    this.insertFile = db.prepare(`INSERT INTO artifact_files (experiment_id, name, version, position, path, digest, size)
      VALUES (@experiment_id, @name, @version, @position, @path, @digest, @size)`);
    this.insertUse = db.prepare(`INSERT INTO artifact_uses (experiment_id, source_experiment_id, name, version, digest, used_at)
      VALUES (@experiment_id, @source_experiment_id, @name, @version, @digest, @used_at)`);
    this.upsertMedia = db.prepare(`INSERT OR REPLACE INTO media (experiment_id, key, step, kind, caption, value, media_type, digest, size, created_at)
      VALUES (@experiment_id, @key, @step, @kind, @caption, @value, @media_type, @digest, @size, @created_at)`);
  }

  apply(event: ArtifactEvent): void {
    try {
      if (event.type === 'artifact') {
        const { artifact, files } = artifactRows(event);
        this.insertArtifact.run(artifact);
        for (const file of files) this.insertFile.run(file);
      } else if (event.type === 'artifact_used') {
        this.insertUse.run(useRow(event));
      } else {
        this.upsertMedia.run(mediaRow(event));
      }
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && event.type === 'artifact') {
        throw new ExptrackError(`artifact "${event.artifact.name}" v${event.artifact.version} of ${event.experimentId} exists already`, { code: 'already_exists', field: 'version', value: event.artifact.version, backend: 'sqlite' });
      }
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new ExptrackError(`no experiment with id ${event.experimentId}`, { code: 'not_found', field: 'experimentId', value: event.experimentId, backend: 'sqlite' });
      }
      throw error;
    }
  }
}

/** Reads the artifact tables of a SQLite store. */
export class SqliteArtifactIndex implements ArtifactIndex {
  constructor(private readonly db: () => Promise<SqliteConnection>) {}

  async artifacts(experimentId: string): Promise<ArtifactRecord[]> {
    const db = await this.db();
    const rows = db.prepare('SELECT * FROM artifacts WHERE experiment_id = ?').all(experimentId) as ArtifactRow[];
    const files = db.prepare('SELECT * FROM artifact_files WHERE experiment_id = ?').all(experimentId) as ArtifactFileRow[];
    return toArtifacts(rows, files);
  }

  async lineage(experimentId: string): Promise<ArtifactLineage> {
    const db = await this.db();
    const used = db.prepare('SELECT * FROM artifact_uses WHERE experiment_id = ? ORDER BY id').all(experimentId) as ArtifactUseRow[];
    const usedBy = db.prepare('SELECT * FROM artifact_uses WHERE source_experiment_id = ? ORDER BY id').all(experimentId) as ArtifactUseRow[];
    return { used: used.map(toUse), usedBy: usedBy.map(toUse) };
  }

  async media(experimentId: string, key: string): Promise<MediaRecord[]> {
    const db = await this.db();
    const rows = db.prepare('SELECT * FROM media WHERE experiment_id = ? AND key = ? ORDER BY step').all(experimentId, key) as MediaRow[];
    return rows.map(toMedia);
  }

  async mediaKeys(experimentId: string): Promise<MediaKey[]> {
    const db = await this.db();
    const rows = db.prepare('SELECT key, min(kind) AS kind, count(*) AS count FROM media WHERE experiment_id = ? GROUP BY key ORDER BY key').all(experimentId) as MediaKey[];
    return rows.map((r) => ({ key: r.key, kind: r.kind, count: Number(r.count) }));
  }

  async referencedDigests(): Promise<Set<string>> {
    const db = await this.db();
    const rows = db.prepare('SELECT digest FROM artifact_files UNION SELECT digest FROM media WHERE digest IS NOT NULL').all() as Array<{ digest: string }>;
    return new Set(rows.map((r) => r.digest));
  }
}
