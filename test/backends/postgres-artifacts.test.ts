import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { PostgresBackend } from 'exptrack/postgres';
import { artifactConformanceCases } from 'exptrack/testing';
import { PG_SKIP_REASON, PG_URL, adminQuery, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { startS3Server, type S3TestServer } from '../fixtures/s3-test-server.js';

const available = await probePostgres();
const schemas: string[] = [];
let s3: S3TestServer | undefined;
const dir = mkdtempSync(join(tmpdir(), 'exptrack-pg-artifacts-'));
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
  if (available) await dropSchemas(schemas);
});

const store = (artifacts?: ConstructorParameters<typeof PostgresBackend>[0]['artifacts']) => {
  const schema = freshName();
  schemas.push(schema);
  return new PostgresBackend({ connectionString: PG_URL, schema, ...(artifacts ? { artifacts } : {}) });
};

describe.skipIf(!available)(available ? 'postgres backend: artifacts in chunked rows' : `postgres backend: artifacts (skipped: ${PG_SKIP_REASON})`, () => {
  for (const c of artifactConformanceCases({ create: () => store() })) it(c.name, c.run);

  it('stores a 4 MiB file logged by two runs once, in 1 MiB chunks', async () => {
    const backend = store();
    const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    const bytes = randomBytes(4 * 1024 * 1024);
    writeFileSync(join(dir, 'four.bin'), bytes);
    for (let run = 0; run < 2; run++) {
      await tracker.startExperiment({ run });
      expect((await tracker.logArtifact(join(dir, 'four.bin'), { name: 'model' }))?.version).toBe(1);
      await tracker.finishExperiment();
    }
    const [counts] = await adminQuery<{ blobs: string; chunks: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM ${backend.schema}.blobs) AS blobs, (SELECT count(*) FROM ${backend.schema}.blob_chunks) AS chunks, (SELECT sum(length(data)) FROM ${backend.schema}.blob_chunks) AS bytes`,
    );
    expect(counts).toEqual({ blobs: '1', chunks: '4', bytes: String(bytes.length) });
    await tracker.close();
  });

  it("gc removes the chunks of a crashed writer's upload, keeps an upload in progress and every finished blob", async () => {
    const backend = store();
    const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    await tracker.startExperiment();
    const kept = randomBytes(3000);
    writeFileSync(join(dir, 'kept.bin'), kept);
    await tracker.logArtifact(join(dir, 'kept.bin'), { name: 'kept' });
    const lock = "SELECT pg_advisory_lock(hashtextextended('exptrack_blob_upload:' || $1, 0))";
    const chunk = (uploadId: string, seq: number, size: number) => [`INSERT INTO ${backend.schema}.blob_chunks (upload_id, seq, data) VALUES ($1, $2, $3)`, [uploadId, seq, randomBytes(size)]] as [string, unknown[]];
    // A writer that crashed after two chunks: its connection (and so its lock) is gone.
    const crashed = new pg.Client({ connectionString: PG_URL });
    await crashed.connect();
    await crashed.query(lock, ['crashed-upload']);
    for (const [seq, size] of [[0, 1000], [1, 500]] as const) await crashed.query(...chunk('crashed-upload', seq, size));
    await crashed.end();
    // A writer still writing: it holds its lock.
    const live = new pg.Client({ connectionString: PG_URL });
    await live.connect();
    try {
      await live.query(lock, ['live-upload']);
      await live.query(...chunk('live-upload', 0, 700));

      const dry = await backend.collectGarbage({ dryRun: true });
      expect(dry).toMatchObject({ blobs: 0, deleted: false, abandoned: { uploads: 1, bytes: 1500 } });
      const chunksOf = async (uploadId: string) => Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${backend.schema}.blob_chunks WHERE upload_id = $1`, [uploadId]))[0]!.n);
      expect(await chunksOf('crashed-upload')).toBe(2);

      const done = await backend.collectGarbage();
      expect(done).toMatchObject({ blobs: 0, deleted: true, abandoned: { uploads: 1, bytes: 1500 } });
      expect(await chunksOf('crashed-upload')).toBe(0);
      expect(await chunksOf('live-upload')).toBe(1);
      expect(Buffer.from(await backend.readArtifact(tracker.experimentId!, 'kept')).equals(kept)).toBe(true);
    } finally {
      await live.end();
    }
    // Once the live writer is gone too, its chunks are garbage.
    expect((await backend.collectGarbage()).abandoned).toEqual({ uploads: 1, bytes: 700 });
    await tracker.close();
  });
});

describe.skipIf(!available)(available ? 'postgres backend: artifacts in S3 (s3rver on 127.0.0.1)' : `postgres backend: artifacts in S3 (skipped: ${PG_SKIP_REASON})`, () => {
  const s3Store = () => store({ s3: { bucket: s3!.bucket, endpoint: s3!.endpoint, credentials: s3!.credentials, prefix: `${freshName('p')}/` } });
  for (const c of artifactConformanceCases({ create: s3Store })) it(c.name, c.run);

  it('uploads a file larger than one part in parts and reads it back streamed', async () => {
    const backend = s3Store();
    const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    const bytes = randomBytes(20 * 1024 * 1024 + 123);
    writeFileSync(join(dir, 'big.bin'), bytes);
    const id = await tracker.startExperiment();
    await tracker.logArtifact(join(dir, 'big.bin'));
    const parts: Buffer[] = [];
    for await (const chunk of await backend.readArtifactStream(id, 'big.bin')) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    await tracker.close();
  });
});
