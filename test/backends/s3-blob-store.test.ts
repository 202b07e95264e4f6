// The S3 blob store's multipart path against a real S3-protocol server (s3rver on 127.0.0.1):
// parts read into reused buffers come back byte for byte at part-size edges, and a file whose
// bytes are not its digest leaves no object behind.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../src/artifacts/s3-blob-store.js';
import { startS3Server, type S3TestServer } from '../fixtures/s3-test-server.js';

const MiB = 2 ** 20;
const dir = mkdtempSync(join(tmpdir(), 'exptrack-s3-blobs-'));
let s3: S3TestServer;
let prefixes = 0;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const newStore = () => new S3BlobStore({ bucket: s3.bucket, endpoint: s3.endpoint, credentials: s3.credentials, prefix: `t${++prefixes}/` });

describe('S3 blob store: multipart uploads', () => {
  it.each([
    ['two whole parts (16 MiB)', 16 * MiB],
    ['five parts, the last short (36 MiB + 7 bytes)', 36 * MiB + 7],
  ])('a file of %s goes up from the file and reads back byte for byte', async (_label, size) => {
    const store = newStore();
    const bytes = randomBytes(size);
    const path = join(dir, `f${size}.bin`);
    writeFileSync(path, bytes);
    try {
      expect(await store.put({ digest: digestOf(bytes), size, path })).toBe(true);
      expect(Buffer.from(await store.read(digestOf(bytes))).equals(bytes)).toBe(true);
      expect(await store.put({ digest: digestOf(bytes), size, path }), 'a second put finds it').toBe(false);
    } finally {
      await store.close();
    }
  });

  it('bytes in memory larger than a part go up as views of them', async () => {
    const store = newStore();
    const bytes = randomBytes(17 * MiB);
    try {
      expect(await store.put({ digest: digestOf(bytes), size: bytes.length, bytes })).toBe(true);
      expect(Buffer.from(await store.read(digestOf(bytes))).equals(bytes)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('a 20 MiB file whose bytes are not its digest (changed after it was hashed) is refused and leaves no object', async () => {
    const store = newStore();
    const bytes = randomBytes(20 * MiB);
    const path = join(dir, 'changed.bin');
    writeFileSync(path, bytes);
    const claimed = digestOf(Buffer.from('what the tracker hashed before the file changed'));
    try {
      await expect(store.put({ digest: claimed, size: bytes.length, path })).rejects.toMatchObject({ code: 'invalid_input', field: 'path' });
      expect(await store.has(claimed)).toBe(false);
      const listed = [];
      for await (const blob of store.list()) listed.push(blob);
      expect(listed).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
