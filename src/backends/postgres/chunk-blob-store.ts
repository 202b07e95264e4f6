/**
 * Blobs as rows of 1 MiB chunks in Postgres itself: for small teams that want no object store. A
 * blob's chunks are written under a fresh upload id, by one connection that holds an advisory lock
 * on that id; the blob becomes visible when its `blobs` row is inserted after the last chunk. A
 * crashed writer leaves only chunks of no blob, and its lock goes with its connection: garbage
 * collection removes the chunks of no blob whose lock it can take (an upload in progress keeps its
 * lock, so its chunks stay).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { BlobSource } from '../../core/artifacts.js';
import type { BlobInfo, BlobStore } from '../../artifacts/blob-store.js';
import { checkDigest } from '../../artifacts/check-digest.js';
import { missingBlob, verifiedChunks } from '../../artifacts/verify-copy.js';
import type { PgPool, PgPoolClient } from './pg-driver.js';

/** The advisory lock a writer holds on its upload id while it writes the upload's chunks. */
const UPLOAD_LOCK_KEY = "hashtextextended('exptrack_blob_upload:' || $1, 0)";

/** The size of one chunk row. */
const CHUNK_BYTES = 1024 * 1024;

/** A {@link BlobStore} in the `blobs` and `blob_chunks` tables. */
export class PgChunkBlobStore implements BlobStore {
  constructor(private readonly pool: () => Promise<PgPool>) {}

  async has(digest: string): Promise<boolean> {
    const { rows } = await (await this.pool()).query('SELECT 1 FROM blobs WHERE digest = $1', [checkDigest(digest)]);
    return rows.length > 0;
  }

  async put(source: BlobSource): Promise<boolean> {
    const digest = checkDigest(source.digest);
    if (await this.has(digest)) return false;
    const pool = await this.pool();
    const uploadId = randomUUID();
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(`SELECT pg_advisory_lock(${UPLOAD_LOCK_KEY})`, [uploadId]);
      try {
        return await this.writeChunks(client, uploadId, source);
      } catch (error) {
        await client.query('DELETE FROM blob_chunks WHERE upload_id = $1', [uploadId]).catch((e: Error) => {
          broken = e; // gc removes them once this connection (and its lock) is gone
        });
        throw error;
      } finally {
        if (!broken) await client.query(`SELECT pg_advisory_unlock(${UPLOAD_LOCK_KEY})`, [uploadId]).catch((e: Error) => (broken = e));
      }
    } finally {
      client.release(broken);
    }
  }

  private async writeChunks(client: PgPoolClient, uploadId: string, source: BlobSource): Promise<boolean> {
    let seq = 0;
    const insert = (data: Buffer) => client.query({ name: 'exptrack_insert_blob_chunk', text: 'INSERT INTO blob_chunks (upload_id, seq, data) VALUES ($1, $2, $3)', values: [uploadId, seq++, data] });
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of verifiedChunks(source)) {
      pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      pendingBytes += chunk.byteLength;
      while (pendingBytes >= CHUNK_BYTES) {
        const whole = Buffer.concat(pending);
        await insert(whole.subarray(0, CHUNK_BYTES));
        pending = [whole.subarray(CHUNK_BYTES)];
        pendingBytes = pending[0]!.length;
      }
    }
    if (pendingBytes > 0 || seq === 0) await insert(Buffer.concat(pending));
    const { rowCount } = await client.query('INSERT INTO blobs (digest, size, upload_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING', [source.digest, source.size, uploadId, Date.now()]);
    if (rowCount === 0) await client.query('DELETE FROM blob_chunks WHERE upload_id = $1', [uploadId]); // another writer finished first
    return rowCount !== 0;
  }

  /**
   * Finds (and unless `dryRun`, deletes) the chunks of no blob whose writer is gone: uploads of a
   * crashed writer, and the chunks a `delete` interrupted between its two statements left. An
   * upload in progress holds its lock and is left alone.
   */
  async collectAbandoned(dryRun: boolean): Promise<{ uploads: number; bytes: number }> {
    const pool = await this.pool();
    const { rows } = await pool.query<{ upload_id: string; bytes: number }>(
      'SELECT c.upload_id, sum(octet_length(c.data)) AS bytes FROM blob_chunks c WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = c.upload_id) GROUP BY c.upload_id ORDER BY c.upload_id',
    );
    if (rows.length === 0) return { uploads: 0, bytes: 0 };
    const client = await pool.connect();
    let broken: Error | undefined;
    let uploads = 0;
    let bytes = 0;
    try {
      for (const row of rows) {
        const { rows: lock } = await client.query<{ free: boolean }>(`SELECT pg_try_advisory_lock(${UPLOAD_LOCK_KEY}) AS free`, [row.upload_id]);
        if (!lock[0]?.free) continue; // its writer is still writing
        try {
          if (dryRun) {
            uploads++;
            bytes += Number(row.bytes);
            continue;
          }
          // Checked again under the lock: the writer may have finished since the listing.
          const { rows: gone } = await client.query<{ bytes: number }>(
            'DELETE FROM blob_chunks c WHERE c.upload_id = $1 AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = $1) RETURNING octet_length(c.data) AS bytes',
            [row.upload_id],
          );
          if (gone.length > 0) {
            uploads++;
            bytes += gone.reduce((sum, g) => sum + Number(g.bytes), 0);
          }
        } finally {
          await client.query(`SELECT pg_advisory_unlock(${UPLOAD_LOCK_KEY})`, [row.upload_id]);
        }
      }
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
    return { uploads, bytes };
  }

  async read(digest: string): Promise<Uint8Array> {
    const parts: Buffer[] = [];
    for await (const chunk of await this.stream(digest)) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  }

  async stream(digest: string): Promise<AsyncIterable<Uint8Array>> {
    const pool = await this.pool();
    const { rows } = await pool.query<{ upload_id: string; chunks: number }>(
      'SELECT b.upload_id, (SELECT count(*) FROM blob_chunks c WHERE c.upload_id = b.upload_id) AS chunks FROM blobs b WHERE b.digest = $1',
      [checkDigest(digest)],
    );
    const blob = rows[0];
    if (!blob) throw missingBlob(digest, 'postgres');
    return (async function* () {
      for (let seq = 0; seq < Number(blob.chunks); seq++) {
        const { rows: chunk } = await pool.query<{ data: Buffer }>({ name: 'exptrack_read_blob_chunk', text: 'SELECT data FROM blob_chunks WHERE upload_id = $1 AND seq = $2', values: [blob.upload_id, seq] });
        if (!chunk[0]) throw missingBlob(digest, 'postgres');
        yield chunk[0].data;
      }
    })();
  }

  async *list(): AsyncIterable<BlobInfo> {
    const { rows } = await (await this.pool()).query<{ digest: string; size: number }>('SELECT digest, size FROM blobs ORDER BY digest');
    for (const row of rows) yield { digest: row.digest, size: Number(row.size) };
  }

  async delete(digest: string): Promise<void> {
    const pool = await this.pool();
    const { rows } = await pool.query<{ upload_id: string }>('DELETE FROM blobs WHERE digest = $1 RETURNING upload_id', [checkDigest(digest)]);
    for (const row of rows) await pool.query('DELETE FROM blob_chunks WHERE upload_id = $1', [row.upload_id]);
  }
}
