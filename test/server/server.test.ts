import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWireJson, ExperimentTracker } from 'exptrack';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { makeExperiment, metricColumns } from 'exptrack/testing';
import { loadServerTokens } from '../../src/server/auth.js';
import { startTrackingServer, type AccessLogEntry } from '../../src/server/tracking-server.js';
import { serve } from '../fixtures/tracking-server.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-server-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const freshStore = () => new SqliteBackend({ path: join(dir, `s-${n++}.db`) });
const WRITE = 'write-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';

function post(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${url}/api/v1/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: encodeWireJson(body),
  });
}

describe('tracking server', () => {
  it('applies a retried batch once: the same session and sequence is skipped, a higher one applied', async () => {
    const served = await serve(freshStore());
    try {
      const e = makeExperiment();
      const url = served.server.url;
      expect((await post(url, { session: 's1', sequence: 1, events: [{ type: 'experiment_started', experiment: e }] })).status).toBe(200);
      const points = { type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 1], ['loss', 1, NaN]]) };
      for (let i = 0; i < 3; i++) expect((await post(url, { session: 's1', sequence: 2, events: [points] })).status).toBe(200);
      expect((await served.store.getMetrics(e.id, 'loss')).length).toBe(2);
      expect((await post(url, { session: 's1', sequence: 3, events: [points] })).status).toBe(200);
      const loss = await served.store.getMetrics(e.id, 'loss');
      expect(loss.map((p) => p.value)).toEqual([1, 1, NaN, NaN]);
      // Another session's numbers are its own.
      expect((await post(url, { session: 's2', sequence: 1, events: [points] })).status).toBe(200);
      expect((await served.store.getMetrics(e.id, 'loss')).length).toBe(6);
    } finally {
      await served.stop();
    }
  });

  it('refuses malformed batches with 400 naming the field, oversized ones with 413, a wrong type with 415', async () => {
    const served = await serve(freshStore(), { maxBatchBytes: 10_000 });
    try {
      const url = served.server.url;
      const bad = await post(url, { session: 's', sequence: 1, events: [{ type: 'metrics', experimentId: 'e', points: { keys: ['a'], steps: [-1], values: [1], timestamps: [1], rank: 0 } }] });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'invalid_input', field: 'events[0].points.steps[0]' });
      const unknownType = await post(url, { session: 's', sequence: 1, events: [{ type: 'drop_tables' }] });
      expect(unknownType.status).toBe(400);
      expect((await post(url, { session: 's', sequence: 0, events: [] })).status).toBe(400);
      expect((await post(url, { session: 's', sequence: 1, events: [], pad: 'x'.repeat(20_000) })).status).toBe(413);
      const text = await fetch(`${url}/api/v1/batches`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
      expect(text.status).toBe(415);
    } finally {
      await served.stop();
    }
  });

  it('answers 429 with Retry-After when more batches are in flight than allowed', async () => {
    const store = freshStore();
    const served = await serve(store, { maxInFlightBatches: 1 });
    try {
      const e = makeExperiment();
      await store.write([{ type: 'experiment_started', experiment: e }]);
      // Hold the store: the first batch stays in flight until released.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const write = store.write.bind(store);
      store.write = async (events, options) => {
        await held;
        return write(events, options);
      };
      const first = post(served.server.url, { session: 'a', sequence: 1, events: [{ type: 'metrics', experimentId: e.id, points: metricColumns([['x', 0, 1]]) }] });
      await new Promise((r) => setTimeout(r, 100));
      const second = await post(served.server.url, { session: 'b', sequence: 1, events: [] });
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      release();
      expect((await first).status).toBe(200);
    } finally {
      await served.stop();
    }
  });

  it('serves reads with an ETag and answers a matching If-None-Match with 304', async () => {
    const served = await serve(freshStore());
    try {
      await served.store.write([{ type: 'experiment_started', experiment: makeExperiment({ id: 'exp_etag' }) }]);
      const url = `${served.server.url}/api/v1/experiments/exp_etag`;
      const first = await fetch(url);
      const etag = first.headers.get('etag');
      expect(first.status).toBe(200);
      expect(etag).toMatch(/^".+"$/);
      const again = await fetch(url, { headers: { 'if-none-match': etag! } });
      expect(again.status).toBe(304);
      await served.store.write([{ type: 'experiment_updated', experimentId: 'exp_etag', changes: { notes: 'changed' } }]);
      expect((await fetch(url, { headers: { 'if-none-match': etag! } })).status).toBe(200);
      expect((await fetch(`${served.server.url}/api/v1/experiments/exp_none`)).status).toBe(404);
      expect(await new HttpBackend({ url: served.server.url }).getExperiment('exp_none')).toBeUndefined();
      // A wrong URL (no such route) is a failure, not "no such experiment".
      await expect(new HttpBackend({ url: `${served.server.url}/wrong-prefix` }).getExperiment('exp_etag')).rejects.toMatchObject({ code: 'not_found', field: undefined });
      expect((await fetch(`${served.server.url}/api/v1/nowhere`)).status).toBe(404);
      expect((await fetch(`${served.server.url}/api/v1/experiments/exp_etag`, { method: 'PUT' })).status).toBe(405);
      // Without a token, only requests addressed to a loopback name are answered (no DNS rebinding).
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = request(`${served.server.url}/api/v1/stats`, { headers: { host: 'attacker.example:80' } }, (res) => resolve(res.statusCode ?? 0));
        req.on('error', reject);
        req.end();
      });
      expect(rebound).toBe(403);
    } finally {
      await served.stop();
    }
  });

  it('requires a token when given one: 401 everywhere but /healthz and /readyz, 403 for writes with a read-only token', async () => {
    const log: AccessLogEntry[] = [];
    const served = await serve(freshStore(), { tokens: [{ token: WRITE, role: 'write' }, { token: READ, role: 'read' }], log: (entry) => log.push(entry) });
    try {
      const url = served.server.url;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const anonymous = await fetch(`${url}/api/v1/experiments`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
      expect((await fetch(`${url}/api/v1/nowhere`)).status).toBe(401);
      expect((await fetch(`${url}/api/v1/experiments`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await fetch(`${url}/api/v1/experiments`, { headers: { authorization: `Bearer ${READ}` } })).status).toBe(200);
      expect((await post(url, { session: 's', sequence: 1, events: [] }, READ)).status).toBe(403);
      expect((await post(url, { session: 's', sequence: 1, events: [] }, WRITE)).status).toBe(200);
      expect((await post(url, { session: 's', sequence: 2, events: [] })).status).toBe(401);

      const backend = new HttpBackend({ url, token: WRITE });
      const tracker = new ExperimentTracker({ backends: [backend], captureGit: false, captureEnvironment: false, strict: true });
      const id = await tracker.startExperiment({ seed: 1 });
      tracker.logMetrics({ loss: 0.5 }, 0);
      await tracker.finishExperiment();
      const reader = new HttpBackend({ url, token: READ });
      expect((await reader.getExperiment(id))?.status).toBe('completed');
      await expect(reader.deleteExperiment(id)).rejects.toMatchObject({ code: 'backend_failed' });
      await Promise.all([tracker.close(), reader.close()]);

      expect(log.some((e) => e.path === '/api/v1/experiments' && e.status === 401 && e.role === null)).toBe(true);
      expect(log.some((e) => e.path === '/api/v1/batches' && e.status === 200 && e.role === 'write')).toBe(true);
      expect(log.every((e) => typeof e.ms === 'number' && e.method.length > 0)).toBe(true);
    } finally {
      await served.stop();
    }
  });

  it('refuses to serve a non-loopback address without a token, and reads tokens from a file', async () => {
    const store = freshStore();
    await store.init();
    try {
      await expect(startTrackingServer({ store, host: '0.0.0.0', port: 0 })).rejects.toThrow(/without a token/);
      await expect(startTrackingServer({ store, host: '127.0.0.1', port: 0, tokens: [{ token: 'short', role: 'write' }] })).rejects.toThrow(/at least 16/);
    } finally {
      await store.close();
    }
    const file = join(dir, 'tokens');
    writeFileSync(file, `# team tokens\nwrite ${WRITE}\nread ${READ}\n`);
    expect(loadServerTokens({ EXPTRACK_SERVER_TOKEN: 'env-token-0123456789abc' }, file)).toEqual([
      { token: 'env-token-0123456789abc', role: 'write' },
      { token: WRITE, role: 'write' },
      { token: READ, role: 'read' },
    ]);
    writeFileSync(file, 'admin x\n');
    expect(() => loadServerTokens({}, file)).toThrow(/tokens:1: expected/);
  });

  it('drains a batch in flight on close', async () => {
    const store = freshStore();
    const served = await serve(store);
    const e = makeExperiment();
    await store.write([{ type: 'experiment_started', experiment: e }]);
    const write = store.write.bind(store);
    store.write = async (events, options) => {
      await new Promise((r) => setTimeout(r, 300));
      return write(events, options);
    };
    const inFlight = post(served.server.url, { session: 'd', sequence: 1, events: [{ type: 'metrics', experimentId: e.id, points: metricColumns([['x', 0, 1]]) }] });
    await new Promise((r) => setTimeout(r, 50));
    const closing = served.server.close(5_000);
    expect((await inFlight).status).toBe(200);
    await closing;
    expect((await store.getMetrics(e.id)).length).toBe(1);
    await store.close();
  });
});
