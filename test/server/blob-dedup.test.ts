// HttpBackend asks the server which blobs it lacks (POST /api/v1/blobs/missing) and uploads only
// those: a second run logging the same model sends no bytes. Bytes are counted on the wire, by a
// TCP proxy between the client and a real tracking server.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker, type ExptrackError } from 'exptrack';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { serve } from '../fixtures/tracking-server.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-blob-dedup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const WRITE = 'write-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';
const MiB = 2 ** 20;

/** A proxy to `port` on 127.0.0.1 that counts the bytes clients send through it. */
async function countingProxy(port: number): Promise<{ url: string; sent: () => number; close: () => Promise<void> }> {
  let sent = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.on('data', (chunk: Buffer) => (sent += chunk.length));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    sent: () => sent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Writes `mib` MiB of random bytes without holding them all; returns the file's digest. */
function writeRandomFile(path: string, mib: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < mib; i++) {
      const block = randomBytes(MiB);
      hash.update(block);
      writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
  return `sha256:${hash.digest('hex')}`;
}

async function digestOfStream(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

/** One run through the proxy: logs each file, returns what logArtifact answered and the bytes sent. */
async function runThrough(url: string, files: Array<{ path: string; name: string }>, config: Partial<ConstructorParameters<typeof HttpBackend>[0]> = {}) {
  const backend = new HttpBackend({ url, token: WRITE, ...config });
  const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true });
  const id = await tracker.startExperiment();
  const logged = [];
  for (const file of files) logged.push(await tracker.logArtifact(file.path, { name: file.name }));
  await tracker.finishExperiment();
  await tracker.close();
  return { id, logged };
}

describe('HttpBackend: blobs the server has are not uploaded again', () => {
  it('a second run logging the same 100 MiB model sends no bytes of it, through a restarted server (nothing staged), and a new file still goes up', async () => {
    const modelPath = join(dir, 'model.bin');
    const modelDigest = writeRandomFile(modelPath, 100);
    const extraPath = join(dir, 'extra.bin');
    const extra = randomBytes(MiB);
    writeFileSync(extraPath, extra);
    const dbPath = join(dir, 'two-runs.db');

    const first = await serve(new SqliteBackend({ path: dbPath }), { tokens: [{ token: WRITE, role: 'write' }] });
    const proxy1 = await countingProxy(Number(new URL(first.server.url).port));
    try {
      const run = await runThrough(proxy1.url, [{ path: modelPath, name: 'model' }]);
      expect(run.logged[0]).toMatchObject({ version: 1, digest: modelDigest, size: 100 * MiB });
      expect(proxy1.sent(), 'the first run uploads the model').toBeGreaterThan(100 * MiB);
    } finally {
      await proxy1.close();
      await first.stop();
    }

    // A new server over the same store: its staging directory is new, so only the store has the model.
    const second = await serve(new SqliteBackend({ path: dbPath }), { tokens: [{ token: WRITE, role: 'write' }, { token: READ, role: 'read' }] });
    const proxy2 = await countingProxy(Number(new URL(second.server.url).port));
    try {
      const run = await runThrough(proxy2.url, [{ path: modelPath, name: 'model' }, { path: extraPath, name: 'extra' }]);
      expect(run.logged.map((l) => l?.version)).toEqual([1, 1]);
      const sent = proxy2.sent();
      expect(sent, 'the extra file (1 MiB) went up').toBeGreaterThan(MiB);
      expect(sent, 'no byte of the 100 MiB model went up: the extra file and a few JSON requests').toBeLessThan(MiB + 256 * 1024);

      const reader = new HttpBackend({ url: second.server.url, token: READ });
      const model = (await reader.getArtifacts(run.id)).find((a) => a.name === 'model');
      expect(model).toMatchObject({ name: 'model', version: 1, digest: modelDigest, size: 100 * MiB });
      expect(await digestOfStream(await reader.readArtifactStream(run.id, 'model')), 'the second run reads the model from the store').toBe(modelDigest);
      expect(Buffer.from(await reader.readArtifact(run.id, 'extra')).equals(extra)).toBe(true);
      await reader.close();
    } finally {
      await proxy2.close();
      await second.stop();
    }
  }, 240_000);

  it('POST /api/v1/blobs/missing answers the digests neither staged nor stored, in the order asked; a read token, a bad digest and too many digests are refused', async () => {
    const store = new SqliteBackend({ path: join(dir, 'route.db') });
    const served = await serve(store, { tokens: [{ token: WRITE, role: 'write' }, { token: READ, role: 'read' }] });
    const url = served.server.url;
    const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const ask = (body: unknown, token = WRITE) => fetch(`${url}/api/v1/blobs/missing`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    try {
      const stored = Buffer.from('in the store');
      const staged = Buffer.from('uploaded, waiting for its batch');
      const unknown = Buffer.from('nowhere');
      const path = join(dir, 'stored.txt');
      writeFileSync(path, stored);
      await runThrough(url, [{ path, name: 'stored' }]);
      const put = await fetch(`${url}/api/v1/blobs/${digestOf(staged)}`, { method: 'PUT', body: staged, headers: { authorization: `Bearer ${WRITE}` } });
      expect(put.status).toBe(200);

      const answer = await ask({ digests: [digestOf(unknown), digestOf(stored), digestOf(staged), digestOf(Buffer.from('also nowhere'))] });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ missing: [digestOf(unknown), digestOf(Buffer.from('also nowhere'))] });
      expect(await (await ask({ digests: [] })).json()).toEqual({ missing: [] });

      expect((await ask({ digests: [digestOf(unknown)] }, READ)).status).toBe(403);
      const bad = await ask({ digests: [digestOf(unknown), 'sha256:XYZ'] });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatch(/digests\[1\] must be "sha256:"/);
      expect((await ask({ digests: 'sha256:abc' })).status).toBe(400);
      expect((await ask({ digests: new Array(10_001).fill(digestOf(unknown)) })).status).toBe(400);
    } finally {
      await served.stop();
    }
  });

  it('a server without the route (405) gets every blob uploaded, as before', async () => {
    const served = await serve(new SqliteBackend({ path: join(dir, 'old-server.db') }));
    const asked: string[] = [];
    const oldServer: typeof fetch = async (input, init) => {
      const target = String(input);
      if (target.endsWith('/api/v1/blobs/missing')) {
        asked.push(target);
        return new Response('{"error":"POST is not allowed on /api/v1/blobs/missing; use PUT"}', { status: 405, headers: { allow: 'PUT' } });
      }
      return fetch(input, init);
    };
    try {
      const bytes = randomBytes(4096);
      const path = join(dir, 'old.bin');
      writeFileSync(path, bytes);
      const backend = new HttpBackend({ url: served.server.url, fetch: oldServer });
      const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true });
      const id = await tracker.startExperiment();
      expect((await tracker.logArtifact(path, { name: 'old' }))?.version).toBe(1);
      await tracker.close();
      expect(asked.length, 'the client asked').toBe(1);
      expect(Buffer.from(await (served.store as SqliteBackend).readArtifact(id, 'old')).equals(bytes), 'and then uploaded the blob').toBe(true);
    } finally {
      await served.stop();
    }
  });

  it('a blob the server had but lost before the batch came (collected meanwhile) is uploaded after the refusal, and the batch is taken', async () => {
    const bytes = randomBytes(8192);
    const path = join(dir, 'lost.bin');
    writeFileSync(path, bytes);
    // Logged straight into the store (not through the server, which would keep its upload staged).
    const direct = new ExperimentTracker({ backends: [new SqliteBackend({ path: join(dir, 'lost.db') })], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true });
    await direct.startExperiment();
    await direct.logArtifact(path, { name: 'kept' });
    await direct.close();
    const store = new SqliteBackend({ path: join(dir, 'lost.db') });
    const served = await serve(store);
    try {
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      expect(await store.hasBlob(digest)).toBe(true);

      let uploads = 0;
      let refusals = 0;
      const racing: typeof fetch = async (input, init) => {
        const target = String(input);
        const response = await fetch(input, init);
        // The server answered "not missing"; the blob goes away before the batch arrives.
        if (target.endsWith('/api/v1/blobs/missing')) unlinkSync(join(store.artifactsDir!, 'sha256', digest.slice(7, 9), digest.slice(9)));
        if (target.includes('/api/v1/blobs/sha256:')) uploads++;
        if (target.endsWith('/api/v1/batches') && response.status === 400) refusals++;
        return response;
      };
      const errors: ExptrackError[] = [];
      const backend = new HttpBackend({ url: served.server.url, fetch: racing });
      const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, handleProcessEvents: false, onError: (error) => errors.push(error) });
      const id = await tracker.startExperiment();
      expect((await tracker.logArtifact(path, { name: 'again' }))?.version).toBe(1);
      await tracker.close();
      expect(errors).toEqual([]);
      expect({ refusals, uploads }, 'refused once, then uploaded once without asking again').toEqual({ refusals: 1, uploads: 1 });
      expect(Buffer.from(await store.readArtifact(id, 'again')).equals(bytes)).toBe(true);
    } finally {
      await served.stop();
    }
  });
});
