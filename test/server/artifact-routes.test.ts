import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { serve } from '../fixtures/tracking-server.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-server-artifacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WRITE = 'write-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const put = (url: string, digest: string, body: Uint8Array, token = WRITE) =>
  fetch(`${url}/api/v1/blobs/${digest}`, { method: 'PUT', body: body as BodyInit, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } });

describe('tracking server: artifact routes', () => {
  it('takes a blob once, refuses wrong bytes, a bad digest, a read-only token and a blob over the limit', async () => {
    const staging = join(dir, 'staging-1');
    const served = await serve(new SqliteBackend({ path: join(dir, 'a.db') }), { tokens: [{ token: WRITE, role: 'write' }, { token: READ, role: 'read' }], maxBlobBytes: 1000, blobStagingDir: staging });
    const url = served.server.url;
    try {
      const bytes = randomBytes(600);
      const first = await put(url, digestOf(bytes), bytes);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ digest: digestOf(bytes), stored: true });
      expect(await (await put(url, digestOf(bytes), bytes)).json()).toEqual({ digest: digestOf(bytes), stored: false });
      const wrong = await put(url, digestOf(randomBytes(600)), bytes);
      expect(wrong.status).toBe(400);
      expect((await wrong.json()).error).toMatch(/the uploaded bytes are sha256:[0-9a-f]{64} \(600 bytes\)/);
      expect((await put(url, 'sha256:XYZ', bytes)).status).toBe(400);
      expect((await put(url, digestOf(bytes), bytes, READ)).status).toBe(403);
      const big = randomBytes(1001);
      expect((await put(url, digestOf(big), big)).status).toBe(413);
      expect(readdirSync(staging), 'only the one good blob is staged, no temporary file left').toEqual([digestOf(bytes).slice(7)]);
    } finally {
      await served.stop();
    }
  });

  it('a batch naming a blob nobody uploaded is refused with the field; downloads are attachments that are never sniffed', async () => {
    const served = await serve(new SqliteBackend({ path: join(dir, 'b.db') }));
    const url = served.server.url;
    const backend = new HttpBackend({ url });
    const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    try {
      const id = await tracker.startExperiment();
      const bytes = Buffer.from('<html><script>alert(1)</script></html>');
      writeFileSync(join(dir, 'page.html'), bytes);
      expect((await tracker.logArtifact(join(dir, 'page.html'), { name: 'page' }))?.version).toBe(1);
      const response = await fetch(`${url}/api/v1/experiments/${id}/artifacts/page/content`);
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="page"');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      expect((await fetch(`${url}/api/v1/experiments/${id}/artifacts/nothing/content`)).status).toBe(404);

      const digest = digestOf(randomBytes(10));
      const batch = { session: 'manual', sequence: 1, events: [{ type: 'artifact', experimentId: id, sources: [{ digest, size: 10 }], artifact: { experimentId: id, name: 'm', version: 1, kind: 'file', type: null, metadata: {}, step: null, createdAt: 1, digest, size: 10, files: [{ path: 'm', digest, size: 10 }] } }] };
      const refused = await fetch(`${url}/api/v1/batches`, { method: 'POST', body: JSON.stringify(batch), headers: { 'content-type': 'application/json' } });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'invalid_input', field: 'events[0].sources[0].digest' });
    } finally {
      await tracker.close();
      await served.stop();
    }
  });
});
