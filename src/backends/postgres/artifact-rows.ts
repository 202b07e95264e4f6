import type { ArtifactEvent, ArtifactLineage, ArtifactRecord, MediaKey, MediaRecord } from '../../core/artifacts.js';
import { ExptrackError } from '../../core/errors.js';
import type { ArtifactIndex } from '../../artifacts/artifact-store.js';
import { artifactRows, mediaRow, toArtifacts, toMedia, toUse, useRow, type ArtifactFileRow, type ArtifactRow, type ArtifactUseRow, type MediaRow } from '../sql/artifact-rows.js';
import type { PgPool, PgPoolClient } from './pg-driver.js';

const INSERT_ARTIFACT = `INSERT INTO artifacts (experiment_id, name, version, kind, type, digest, size, metadata, step, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const INSERT_FILES = `INSERT INTO artifact_files (experiment_id, name, version, position, path, digest, size)
  SELECT $1, $2, $3, * FROM unnest($4::integer[], $5::text[], $6::text[], $7::bigint[])`;
const INSERT_USE = `INSERT INTO artifact_uses (experiment_id, source_experiment_id, name, version, digest, used_at) VALUES ($1, $2, $3, $4, $5, $6)`;
const UPSERT_MEDIA = `INSERT INTO media (experiment_id, key, step, kind, caption, value, media_type, digest, size, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (experiment_id, key, step) DO UPDATE SET kind = EXCLUDED.kind, caption = EXCLUDED.caption, value = EXCLUDED.value,
    media_type = EXCLUDED.media_type, digest = EXCLUDED.digest, size = EXCLUDED.size, created_at = EXCLUDED.created_at`;

/** Applies an artifact, use or media event inside the event writer's transaction. */
export async function applyArtifactEvent(client: PgPoolClient, event: ArtifactEvent): Promise<void> {
  try {
    if (event.type === 'artifact') {
      const { artifact: a, files } = artifactRows(event);
      await client.query({ name: 'exptrack_insert_artifact', text: INSERT_ARTIFACT, values: [a.experiment_id, a.name, a.version, a.kind, a.type, a.digest, a.size, a.metadata, a.step, a.created_at] });
      await client.query({
        name: 'exptrack_insert_artifact_files',
        text: INSERT_FILES,
        values: [a.experiment_id, a.name, a.version, files.map((f) => f.position), files.map((f) => f.path), files.map((f) => f.digest), files.map((f) => f.size)],
      });
    } else if (event.type === 'artifact_used') {
      const u = useRow(event);
      await client.query({ name: 'exptrack_insert_artifact_use', text: INSERT_USE, values: [u.experiment_id, u.source_experiment_id, u.name, u.version, u.digest, u.used_at] });
    } else {
      const m = mediaRow(event);
      await client.query({ name: 'exptrack_upsert_media', text: UPSERT_MEDIA, values: [m.experiment_id, m.key, m.step, m.kind, m.caption, m.value, m.media_type, m.digest, m.size, m.created_at] });
    }
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === '23505' && event.type === 'artifact') {
      throw new ExptrackError(`artifact "${event.artifact.name}" v${event.artifact.version} of ${event.experimentId} exists already`, { code: 'already_exists', field: 'version', value: event.artifact.version, backend: 'postgres', cause });
    }
    if (code === '23503') throw new ExptrackError(`no experiment with id ${event.experimentId}`, { code: 'not_found', field: 'experimentId', value: event.experimentId, backend: 'postgres', cause });
    throw cause;
  }
}

/** Reads the artifact tables of a Postgres store. */
export class PgArtifactIndex implements ArtifactIndex {
  constructor(private readonly pool: () => Promise<PgPool>) {}

  async artifacts(experimentId: string): Promise<ArtifactRecord[]> {
    const pool = await this.pool();
    const [rows, files] = await Promise.all([
      pool.query<ArtifactRow>('SELECT * FROM artifacts WHERE experiment_id = $1', [experimentId]),
      pool.query<ArtifactFileRow>('SELECT * FROM artifact_files WHERE experiment_id = $1', [experimentId]),
    ]);
    return toArtifacts(rows.rows, files.rows);
  }

  async lineage(experimentId: string): Promise<ArtifactLineage> {
    const pool = await this.pool();
    const [used, usedBy] = await Promise.all([
      pool.query<ArtifactUseRow>('SELECT * FROM artifact_uses WHERE experiment_id = $1 ORDER BY id', [experimentId]),
      pool.query<ArtifactUseRow>('SELECT * FROM artifact_uses WHERE source_experiment_id = $1 ORDER BY id', [experimentId]),
    ]);
    return { used: used.rows.map(toUse), usedBy: usedBy.rows.map(toUse) };
  }

  async media(experimentId: string, key: string): Promise<MediaRecord[]> {
    const pool = await this.pool();
    const { rows } = await pool.query<MediaRow>('SELECT * FROM media WHERE experiment_id = $1 AND key = $2 ORDER BY step', [experimentId, key]);
    return rows.map(toMedia);
  }

  async mediaKeys(experimentId: string): Promise<MediaKey[]> {
    const pool = await this.pool();
    const { rows } = await pool.query<MediaKey>('SELECT key, min(kind) AS kind, count(*) AS count FROM media WHERE experiment_id = $1 GROUP BY key ORDER BY key COLLATE "C"', [experimentId]);
    return rows.map((r) => ({ key: r.key, kind: r.kind, count: Number(r.count) }));
  }

  async referencedDigests(): Promise<Set<string>> {
    const pool = await this.pool();
    const { rows } = await pool.query<{ digest: string }>('SELECT digest FROM artifact_files UNION SELECT digest FROM media WHERE digest IS NOT NULL');
    return new Set(rows.map((r) => r.digest));
  }
}
