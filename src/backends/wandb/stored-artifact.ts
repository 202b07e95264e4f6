/**
 * Artifacts read back from the local store for `syncExperimentsToWandb`: each file is streamed
 * from the store into a temporary file (never held in memory whole), then sent as the live backend
 * sends it, and the temporary files are removed.
 * @module
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactReader, ArtifactRecord } from '../../core/artifacts.js';
import { sendArtifact, type ArtifactTarget, type SentArtifact } from './artifact-upload.js';
import type { WandbClient } from './wandb-client.js';

/** The part of a store's artifact reader a sync needs. */
export type StoredArtifacts = Pick<ArtifactReader, 'getArtifacts' | 'readArtifactStream' | 'getArtifactLineage'>;

/**
 * Whether a store keeps artifacts (and can read them back).
 *
 * @param store - the sync's store
 * @returns true for SQLite, Postgres and memory stores with artifacts
 */
export function keepsArtifacts(store: object): store is StoredArtifacts {
  const s = store as Partial<StoredArtifacts> & { capabilities?: { artifacts?: boolean } };
  return s.capabilities?.artifacts === true && typeof s.getArtifacts === 'function' && typeof s.readArtifactStream === 'function' && typeof s.getArtifactLineage === 'function';
}

/**
 * Sends an artifact version read from the store as a W&B Artifact.
 *
 * @param client - the W&B client
 * @param target - the output run
 * @param store - where the bytes are
 * @param record - the version
 * @param signal - aborts the requests
 * @returns what W&B holds now
 */
export async function sendStoredArtifact(client: WandbClient, target: ArtifactTarget, store: StoredArtifacts, record: ArtifactRecord, signal?: AbortSignal): Promise<SentArtifact> {
  const dir = await mkdtemp(join(tmpdir(), 'exptrack-wandb-artifact-'));
  try {
    const paths = new Map<string, string>();
    for (const [index, file] of record.files.entries()) {
      const path = join(dir, String(index));
      const chunks = await store.readArtifactStream(record.experimentId, record.name, { version: record.version, file: file.path });
      await pipeline(Readable.from(chunks), createWriteStream(path));
      paths.set(file.path, path);
    }
    return await sendArtifact(client, target, record, (file) => ({ path: paths.get(file.path)! }), signal);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
