/**
 * Artifact, lineage and media rows of the SQL stores (SQLite and Postgres), to and from records:
 * one mapping for both. Everything read is checked, as a store may have been written by anyone.
 * @module
 */
import type { ArtifactEvent, ArtifactFile, ArtifactRecord, ArtifactUse, MediaRecord } from '../../core/artifacts.js';
import { ExptrackError } from '../../core/errors.js';
import type { JsonValue } from '../../core/types.js';

/** An `artifacts` row. Integers may come back as strings (Postgres bigint). */
export interface ArtifactRow {
  experiment_id: string;
  name: string;
  version: number | string;
  kind: string;
  type: string | null;
  digest: string;
  size: number | string;
  /** JSON text (SQLite) or the parsed value (Postgres jsonb). */
  metadata: string | object;
  step: number | string | null;
  created_at: number | string;
}

/** An `artifact_files` row. */
export interface ArtifactFileRow {
  experiment_id: string;
  name: string;
  version: number | string;
  position: number | string;
  path: string;
  digest: string;
  size: number | string;
}

/** An `artifact_uses` row. */
export interface ArtifactUseRow {
  experiment_id: string;
  source_experiment_id: string;
  name: string;
  version: number | string;
  digest: string;
  used_at: number | string;
}

/** A `media` row. */
export interface MediaRow {
  experiment_id: string;
  key: string;
  step: number | string;
  kind: string;
  caption: string | null;
  /** JSON text (SQLite) or the parsed value (Postgres jsonb). */
  value: string | object | null;
  media_type: string | null;
  digest: string | null;
  size: number | string | null;
  created_at: number | string;
}

/** The rows of an `artifact` event. */
export function artifactRows(event: Extract<ArtifactEvent, { type: 'artifact' }>): { artifact: ArtifactRow; files: ArtifactFileRow[] } {
  const a = event.artifact;
  const key = { experiment_id: event.experimentId, name: a.name, version: a.version };
  return {
    artifact: { ...key, kind: a.kind, type: a.type, digest: a.digest, size: a.size, metadata: JSON.stringify(a.metadata), step: a.step, created_at: a.createdAt },
    files: a.files.map((f, position) => ({ ...key, position, path: f.path, digest: f.digest, size: f.size })),
  };
}

/** The row of an `artifact_used` event. */
export function useRow(event: Extract<ArtifactEvent, { type: 'artifact_used' }>): ArtifactUseRow {
  const u = event.use;
  return { experiment_id: event.experimentId, source_experiment_id: u.sourceExperimentId, name: u.name, version: u.version, digest: u.digest, used_at: u.usedAt };
}

/** The row of a `media` event. */
export function mediaRow(event: Extract<ArtifactEvent, { type: 'media' }>): MediaRow {
  const m = event.media;
  const common = { experiment_id: event.experimentId, key: m.key, step: m.step, kind: m.kind, caption: m.caption ?? null, created_at: m.createdAt };
  return m.kind === 'image'
    ? { ...common, value: null, media_type: m.mediaType, digest: m.digest, size: m.size }
    : { ...common, value: JSON.stringify(m.value), media_type: null, digest: null, size: null };
}

/** Artifacts from their rows and their files' rows (both in any order), by name then version. */
export function toArtifacts(rows: readonly ArtifactRow[], fileRows: readonly ArtifactFileRow[]): ArtifactRecord[] {
  const files = new Map<string, Array<ArtifactFile & { position: number }>>();
  for (const f of fileRows) {
    const key = `${f.name}\u0000${int(f.version)}`;
    const list = files.get(key) ?? [];
    list.push({ path: f.path, digest: f.digest, size: int(f.size), position: int(f.position) });
    files.set(key, list);
  }
  return rows
    .map((r): ArtifactRecord => ({
      experimentId: r.experiment_id,
      name: r.name,
      version: int(r.version),
      kind: r.kind === 'directory' ? 'directory' : 'file',
      type: r.type,
      digest: r.digest,
      size: int(r.size),
      files: (files.get(`${r.name}\u0000${int(r.version)}`) ?? []).sort((a, b) => a.position - b.position).map(({ position: _, ...f }) => f),
      metadata: parseObject(r.metadata, 'artifacts.metadata') as Record<string, JsonValue>,
      step: r.step === null ? null : int(r.step),
      createdAt: int(r.created_at),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version - b.version));
}

/** A use from its row. */
export function toUse(r: ArtifactUseRow): ArtifactUse {
  return { experimentId: r.experiment_id, sourceExperimentId: r.source_experiment_id, name: r.name, version: int(r.version), digest: r.digest, usedAt: int(r.used_at) };
}

/** A media record from its row. */
export function toMedia(r: MediaRow): MediaRecord {
  const common = { key: r.key, step: int(r.step), ...(r.caption === null ? {} : { caption: r.caption }) };
  const createdAt = int(r.created_at);
  if (r.kind === 'image') {
    if (r.digest === null || (r.media_type !== 'image/png' && r.media_type !== 'image/jpeg')) throw corrupt('media', r);
    return { ...common, kind: 'image', mediaType: r.media_type, size: int(r.size ?? 0), digest: r.digest, createdAt };
  }
  const value = parseObject(r.value ?? '', 'media.value');
  if (r.kind === 'table') return { ...common, kind: 'table', value: value as never, createdAt };
  if (r.kind === 'histogram') return { ...common, kind: 'histogram', value: value as never, createdAt };
  throw corrupt('media', r);
}

function int(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

function parseObject(text: string | object, field: string): object {
  if (typeof text === 'object' && text !== null) return text;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) return value;
  } catch {
    // reported below
  }
  throw new ExptrackError(`the store holds a malformed ${field}`, { code: 'corrupt_store', field, value: String(text).slice(0, 200) });
}

function corrupt(table: string, row: unknown): ExptrackError {
  return new ExptrackError(`the store holds a malformed ${table} row`, { code: 'corrupt_store', field: table, value: row });
}
