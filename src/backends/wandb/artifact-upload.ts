/**
 * Sends one exptrack artifact version to W&B as a W&B Artifact, in the order the wandb SDK uses:
 * `CreateArtifact` (W&B answers with the version it already has when the manifest digest is known,
 * and nothing more is sent), `CreateArtifactManifest` without upload, `CreateArtifactFiles` and a
 * PUT of each file W&B does not store yet, `CreateArtifactManifest` with the manifest's digest and a
 * PUT of `wandb_manifest.json`, then `CommitArtifact`. Every step is idempotent on W&B's side, so a
 * retry after a failure creates no second version.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ArtifactRecord } from '../../core/artifacts.js';
import { ExptrackError } from '../../core/errors.js';
import { STORAGE_LAYOUT, collectionName, hashArtifactFile, manifestDigest, manifestJson, type ArtifactFileSource, type ManifestEntry } from './artifact-manifest.js';
import type { WandbClient } from './wandb-client.js';

/** Files asked for in one `CreateArtifactFiles` request. */
const FILES_PER_REQUEST = 100;
const MANIFEST_NAME = 'wandb_manifest.json';

/** The W&B run an artifact is the output of. */
export interface ArtifactTarget {
  entity: string;
  project: string;
  runId: string;
}

/** What W&B holds of one exptrack artifact version after it was sent. */
export interface SentArtifact {
  /** W&B's artifact id, for `UseArtifact`. */
  id: string;
  /** The W&B collection (the exptrack name, W&B-safe). */
  collection: string;
  /** W&B's version index (`v0`, `v1`, …), when it said. */
  versionIndex: number | null;
  /** Files PUT now. */
  uploaded: number;
  /** Files W&B already stored (same bytes), not sent again. */
  reused: number;
  /** W&B already had a committed version with this manifest: nothing was sent. */
  existed: boolean;
}

/**
 * Sends an artifact version. The bytes of each file are hashed (MD5 for W&B, SHA-256 to check they
 * are still the bytes exptrack logged) while streamed, then streamed again to the upload URL.
 *
 * @param client - the W&B client
 * @param target - the output run
 * @param artifact - the record (name, type, metadata, files with their SHA-256)
 * @param sourceOf - where the bytes of a file are
 * @param signal - aborts the requests
 * @returns what W&B holds now
 * @throws ExptrackError `not_found` when a file is missing or its bytes changed since it was
 *   logged (the local store has the logged bytes: a sync sends them); W&B failures as the client throws them.
 */
export async function sendArtifact(client: WandbClient, target: ArtifactTarget, artifact: ArtifactRecord, sourceOf: (file: ArtifactRecord['files'][number]) => ArtifactFileSource | undefined, signal?: AbortSignal): Promise<SentArtifact> {
  const files: Array<{ entry: ManifestEntry; source: ArtifactFileSource }> = [];
  for (const file of artifact.files) {
    const source = sourceOf(file);
    const what = `${artifact.name} v${artifact.version} file ${file.path}`;
    if (!source) throw new ExptrackError(`W&B: the bytes of ${what} are not at hand`, { code: 'not_found', field: 'path', value: file.path, backend: 'wandb', retryable: false });
    let hashes;
    try {
      hashes = await hashArtifactFile(source);
    } catch (cause) {
      throw new ExptrackError(`W&B: cannot read ${what}: ${String(cause)}`, { code: 'not_found', field: 'path', value: 'path' in source ? source.path : file.path, backend: 'wandb', cause, retryable: false });
    }
    if (hashes.sha256 !== file.digest) {
      throw new ExptrackError(`W&B: ${what} changed since it was logged (${hashes.sha256}, logged ${file.digest})`, { code: 'not_found', field: 'path', value: file.path, backend: 'wandb', retryable: false });
    }
    files.push({ entry: { path: file.path, digest: hashes.md5, size: hashes.size }, source });
  }

  const collection = collectionName(artifact.name);
  const digest = manifestDigest(files.map((f) => f.entry));
  const { entity, project, runId } = target;
  const created = await client.createArtifact(
    {
      entityName: entity,
      projectName: project,
      runName: runId,
      artifactTypeName: artifact.type ?? 'artifact',
      artifactCollectionName: collection,
      digest,
      description: null,
      aliases: [{ artifactCollectionName: collection, alias: 'latest' }],
      metadata: JSON.stringify({ ...artifact.metadata, exptrack: { experimentId: artifact.experimentId, name: artifact.name, version: artifact.version, digest: artifact.digest, kind: artifact.kind } }),
      clientID: clientId(),
      sequenceClientID: clientId(),
    },
    signal,
  );
  const sent: SentArtifact = { id: created.id, collection, versionIndex: created.versionIndex, uploaded: 0, reused: 0, existed: created.state === 'COMMITTED' };
  if (sent.existed) return sent;
  if (created.state !== 'PENDING') throw new ExptrackError(`W&B CreateArtifact: unknown artifact state ${created.state}`, { code: 'backend_failed', backend: 'wandb', value: created.state, retryable: false });

  const manifestVars = { artifactID: created.id, baseArtifactID: created.latestId, name: MANIFEST_NAME, entityName: entity, projectName: project, runName: runId };
  const manifest = await client.createArtifactManifest({ ...manifestVars, digest: '', includeUpload: false }, signal);

  for (let at = 0; at < files.length; at += FILES_PER_REQUEST) {
    const batch = files.slice(at, at + FILES_PER_REQUEST);
    const targets = await client.createArtifactFiles(
      batch.map(({ entry }) => ({ artifactID: created.id, artifactManifestID: manifest.id, name: entry.path, md5: entry.digest })),
      STORAGE_LAYOUT,
      signal,
    );
    for (const { entry, source } of batch) {
      const upload = targets.get(entry.path);
      if (!upload) throw new ExptrackError(`W&B CreateArtifactFiles named no target for ${entry.path}`, { code: 'unavailable', backend: 'wandb' });
      if (upload.birthArtifactID) entry.birthArtifactID = upload.birthArtifactID;
      if (upload.uploadUrl === null) {
        sent.reused++;
        continue;
      }
      await client.uploadFile(upload.uploadUrl, upload.headers, source, `${artifact.name}/${entry.path}`, signal);
      sent.uploaded++;
    }
  }

  const json = manifestJson(files.map((f) => f.entry));
  const manifestUpload = await client.createArtifactManifest({ ...manifestVars, digest: createHash('md5').update(json).digest('base64'), includeUpload: true }, signal);
  if (!manifestUpload.uploadUrl) throw new ExptrackError('W&B CreateArtifactManifest gave no upload URL for the manifest', { code: 'unavailable', backend: 'wandb' });
  await client.uploadFile(manifestUpload.uploadUrl, manifestUpload.headers, { bytes: json }, `${artifact.name} manifest`, signal);
  await client.commitArtifact(created.id, signal);
  return sent;
}

/** A client id as the wandb SDK makes them: 128 random bits, base62-like. */
function clientId(): string {
  return randomBytes(16).toString('base64url');
}
