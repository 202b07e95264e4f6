/**
 * Decodes the artifacts, artifact uses and media of an exported experiment into tracker events,
 * checking every field (an export is someone else's file). Artifact and image bytes come from the
 * export's blob directory; without one, those records are left out and counted.
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { ArtifactFile, ArtifactRecord, BlobSource, MediaRecord } from '../../core/artifacts.js';
import type { TrackerEvent } from '../../core/backend.js';
import { invalidInput } from '../../core/errors.js';
import type { JsonValue } from '../../core/types.js';
import { checkDigest } from '../../artifacts/check-digest.js';
import type { HistogramValue, TableValue } from '../../core/artifacts.js';
import { blobSourceIn } from './artifact-blobs.js';
import { decodeJson, requireObject } from './export-format.js';

const int = (value: unknown, field: string, min = 0): number => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw invalidInput(field, value, `must be an integer >= ${min}`);
  return value;
};
/** A key or name: a non-empty string of at most 250 characters (what the tracker accepts). */
const validateKey = (value: unknown, field: string): string => {
  if (typeof value !== 'string' || value.length === 0 || value.length > 250) throw invalidInput(field, value, 'must be a non-empty string of at most 250 characters');
  return value;
};
const list = (value: unknown, field: string): unknown[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidInput(field, value, 'must be an array');
  return value;
};
const optionalText = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidInput(field, value, 'must be a string');
  return value;
};

/** The events of one experiment's outputs, and how many records were left out for want of bytes. */
export async function decodeOutputs(root: Record<string, unknown>, id: string, path: string, artifactsDir: string | undefined): Promise<{ events: TrackerEvent[]; withoutBytes: number }> {
  const events: TrackerEvent[] = [];
  let withoutBytes = 0;
  for (const [i, raw] of list(root.artifacts, `${path}.artifacts`).entries()) {
    const at = `${path}.artifacts[${i}]`;
    const a = requireObject(raw, at);
    const files: ArtifactFile[] = list(a.files, `${at}.files`).map((f, k) => {
      const file = requireObject(f, `${at}.files[${k}]`);
      const filePath = optionalText(file.path, `${at}.files[${k}].path`);
      if (filePath === undefined || filePath === '') throw invalidInput(`${at}.files[${k}].path`, file.path, 'must be a non-empty string');
      return { path: filePath, digest: checkDigest(file.digest, `${at}.files[${k}].digest`), size: int(file.size, `${at}.files[${k}].size`) };
    });
    if (files.length === 0) throw invalidInput(`${at}.files`, a.files, 'must list at least one file');
    const metadata = decodeJson(requireObject(a.metadata ?? {}, `${at}.metadata`)) as Record<string, JsonValue>;
    const artifact: ArtifactRecord = {
      experimentId: id,
      name: validateKey(a.name, `${at}.name`),
      version: int(a.version, `${at}.version`, 1),
      kind: a.kind === 'directory' ? 'directory' : a.kind === 'file' ? 'file' : (() => { throw invalidInput(`${at}.kind`, a.kind, "must be 'file' or 'directory'"); })(),
      type: optionalText(a.type, `${at}.type`) ?? null,
      digest: checkDigest(a.digest, `${at}.digest`),
      size: int(a.size, `${at}.size`),
      files,
      metadata,
      step: a.step === null || a.step === undefined ? null : int(a.step, `${at}.step`),
      createdAt: int(a.createdAt, `${at}.createdAt`),
    };
    if (artifactsDir === undefined) {
      withoutBytes++;
      continue;
    }
    const sources = new Map<string, BlobSource>();
    for (const [k, f] of files.entries()) if (!sources.has(f.digest)) sources.set(f.digest, await blobSourceIn(artifactsDir, f.digest, f.size, `${at}.files[${k}].digest`));
    events.push({ type: 'artifact', experimentId: id, artifact, sources: [...sources.values()] });
  }
  for (const [i, raw] of list(root.artifactUses, `${path}.artifactUses`).entries()) {
    const at = `${path}.artifactUses[${i}]`;
    const u = requireObject(raw, at);
    events.push({
      type: 'artifact_used',
      experimentId: id,
      use: { experimentId: id, sourceExperimentId: validateKey(u.sourceExperimentId, `${at}.sourceExperimentId`), name: validateKey(u.name, `${at}.name`), version: int(u.version, `${at}.version`, 1), digest: checkDigest(u.digest, `${at}.digest`), usedAt: int(u.usedAt, `${at}.usedAt`) },
    });
  }
  for (const [i, raw] of list(root.media, `${path}.media`).entries()) {
    const at = `${path}.media[${i}]`;
    const m = requireObject(raw, at);
    const caption = optionalText(m.caption, `${at}.caption`);
    const common = { key: validateKey(m.key, `${at}.key`), step: int(m.step, `${at}.step`), createdAt: int(m.createdAt, `${at}.createdAt`), ...(caption === undefined ? {} : { caption }) };
    let media: MediaRecord;
    let bytes: Uint8Array | undefined;
    if (m.kind === 'image') {
      if (m.mediaType !== 'image/png' && m.mediaType !== 'image/jpeg') throw invalidInput(`${at}.mediaType`, m.mediaType, "must be 'image/png' or 'image/jpeg'");
      media = { ...common, kind: 'image', mediaType: m.mediaType, digest: checkDigest(m.digest, `${at}.digest`), size: int(m.size, `${at}.size`) };
      if (artifactsDir === undefined) {
        withoutBytes++;
        continue;
      }
      bytes = await readFile((await blobSourceIn(artifactsDir, media.digest, media.size, `${at}.digest`) as { path: string }).path);
    } else if (m.kind === 'table') {
      media = { ...common, kind: 'table', value: tableValue(m.value, `${at}.value`) };
    } else if (m.kind === 'histogram') {
      media = { ...common, kind: 'histogram', value: histogramValue(m.value, `${at}.value`) };
    } else {
      throw invalidInput(`${at}.kind`, m.kind, "must be 'image', 'table' or 'histogram'");
    }
    events.push(bytes === undefined ? { type: 'media', experimentId: id, media } : { type: 'media', experimentId: id, media, bytes });
  }
  return { events, withoutBytes };
}

/** A histogram as stored: finite edges, one more than the counts, counts and `nonFinite` integers >= 0. */
function histogramValue(raw: unknown, field: string): HistogramValue {
  const value = requireObject(raw, field);
  const edges = list(value.edges, `${field}.edges`);
  const counts = list(value.counts, `${field}.counts`);
  if (!edges.every((e) => typeof e === 'number' && Number.isFinite(e))) throw invalidInput(`${field}.edges`, value.edges, 'must be finite numbers');
  counts.forEach((c, i) => int(c, `${field}.counts[${i}]`));
  if (counts.length === 0 ? edges.length !== 0 : edges.length !== counts.length + 1) throw invalidInput(`${field}.edges`, value.edges, 'must have one more entry than counts');
  return { edges: edges as number[], counts: counts as number[], nonFinite: int(value.nonFinite ?? 0, `${field}.nonFinite`) };
}

/** A table as stored: unique string columns, rows of JSON cells as long as the columns. */
function tableValue(raw: unknown, field: string): TableValue {
  const value = requireObject(raw, field);
  const columns = list(value.columns, `${field}.columns`);
  if (columns.length === 0 || !columns.every((c) => typeof c === 'string') || new Set(columns).size !== columns.length) {
    throw invalidInput(`${field}.columns`, value.columns, 'must be unique strings');
  }
  const rows = list(value.rows, `${field}.rows`).map((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) throw invalidInput(`${field}.rows[${i}]`, row, `must be an array of ${columns.length} cells`);
    return row.map((cell) => decodeJson(cell));
  });
  return { columns: columns as string[], rows };
}
