// The dashboard's HTTP API against a real server on a random port: answers, errors as 400s with a
// message, path traversal, the token, read-only mode and edits.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryBackend } from 'exptrack/memory';
import type { DashboardServer } from '../../src/ui/server.js';
import { isLoopback } from '../../src/ui/server.js';
import { demoStore, fakeAssets, serve } from './fixtures.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown> & { error?: string };
}

/** A raw request: the path is sent exactly as given (no URL normalisation). */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('dashboard API (read-only, loopback)', () => {
  let store: MemoryBackend;
  let ui: DashboardServer;
  const get = (path: string) => raw(ui.port, path);

  beforeAll(async () => {
    store = await demoStore();
    ui = await serve({ store, assetsDir: fakeAssets(), version: '9.9.9' });
  });
  afterAll(async () => {
    await ui.close();
    await store.close();
  });

  it('binds 127.0.0.1 and needs no token there', async () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/`);
    expect(ui.token).toBeNull();
    const info = (await get('/api/info')).json();
    expect(info).toMatchObject({ version: '9.9.9', allowEdit: false, backend: 'memory' });
  });

  it('lists experiments newest first with key metrics, and pages', async () => {
    const page = (await get('/api/experiments?limit=2')).json() as { total: number; experiments: { id: string; metrics: Record<string, number> }[]; metricColumns: string[] };
    expect(page.total).toBe(3); // counted by the store, however many are listed
    expect((await get('/api/experiments?limit=1&status=completed')).json()).toMatchObject({ total: 2, experiments: [{ id: 'exp_b' }] });
    expect(page.experiments.map((e) => e.id)).toEqual(['exp_c', 'exp_b']);
    expect(page.experiments[1]?.metrics['qa/accuracy']).toBe(0.75);
    expect(page.metricColumns).toContain('loss');
    const next = (await get('/api/experiments?limit=2&offset=2')).json() as { experiments: { id: string }[] };
    expect(next.experiments.map((e) => e.id)).toEqual(['exp_a']);
  });

  it('filters with the analysis filter language and sorts by any column', async () => {
    const f = encodeURIComponent('params.learning_rate < 0.05 and group = "g1"');
    const page = (await get(`/api/experiments?filter=${f}&sort=name&order=asc`)).json() as { experiments: { name: string }[] };
    expect(page.experiments.map((e) => e.name)).toEqual(['baseline', 'slower']);
    const g2 = encodeURIComponent('group = "g2"');
    const filtered = (await get(`/api/experiments?filter=${g2}`)).json() as { total: number; experiments: { id: string }[] };
    expect(filtered).toMatchObject({ total: 1, experiments: [{ id: 'exp_c' }] });
    const byLoss = (await get(`/api/experiments?sort=${encodeURIComponent('metric:loss')}&order=asc`)).json() as { experiments: { id: string }[] };
    expect(byLoss.experiments.map((e) => e.id)).toEqual(['exp_a', 'exp_b', 'exp_c']);
    const byAccuracy = (await get(`/api/experiments?sort=${encodeURIComponent('metric:qa/accuracy')}&order=desc`)).json() as { total: number; experiments: { id: string }[] };
    expect(byAccuracy.experiments.at(-1)?.id).toBe('exp_c'); // no evaluation: last whatever the order
    expect(byAccuracy.total).toBe(3);
    // Paging across the end of the runs that have the metric.
    const tail = (await get(`/api/experiments?sort=${encodeURIComponent('metric:qa/accuracy')}&order=desc&limit=2&offset=1`)).json() as { experiments: { id: string }[] };
    expect(tail.experiments.map((e) => e.id)).toEqual([byAccuracy.experiments[1]?.id, 'exp_c']);
  });

  it('answers a malformed filter with 400, the message and the column', async () => {
    const r = await get(`/api/experiments?filter=${encodeURIComponent('params.lr < ')}`);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ field: 'filter', column: 13 });
    expect(r.json().error).toMatch(/invalid filter at column 13/);
  });

  it.each<{ path: string; message: RegExp; name: string }>([
    ['/api/experiments?limit=abc', /limit must be an integer/],
    ['/api/experiments?limit=0', /limit must be an integer between 1/],
    ['/api/experiments?limit=1&limit=2', /given 2 times/],
    ['/api/experiments?offset=-1', /offset/],
    ['/api/experiments?status=sleeping', /status must be one of/],
    ['/api/experiments?sort=color', /sort must be one of/],
    ['/api/experiments?order=sideways', /order must be one of/],
    ['/api/experiments/exp_a/metric', /key is required/],
    ['/api/experiments/exp_a/metric?key=loss&points=1e9', /points must be an integer/],
    ['/api/experiments/exp_a/metric?key=loss&from=NaN', /from must be a number/],
    ['/api/experiments/exp_a/metric?key=loss&from=10&to=1', /from must not be greater/],
    ['/api/experiments/exp_a/metric?key=loss&smoothing=1', /smoothing must be a number/],
    ['/api/experiments/exp_a/metric?key=loss&method=magic', /method must be one of/],
    ['/api/compare?ids=exp_a', /ids must list between 2 and 10/],
    ['/api/compare?ids=exp_a,exp_b&alpha=2', /alpha/],
    ['/api/compare/samples?a=exp_a&b=exp_b', /benchmark is required/],
    ['/api/compare/samples?a=exp_a&b=exp_b&benchmark=qa&view=odd', /view must be one of/],
    ['/api/leaderboard', /give a benchmark, or a training metric/],
    ['/api/leaderboard?benchmark=qa&groupBy=planet', /groupBy must be one of/],
    ['/api/leaderboard?benchmark=qa&filter=%3D%3D', /invalid filter/],
    ['/api/experiments/%E0%A4%A', /malformed percent-encoding/],
    [`/api/experiments?filter=${'x'.repeat(5000)}`, /longer than 4000/],
  ].map(([path, message]) => ({ path: path as string, message: message as RegExp, name: (path as string).slice(0, 70) })))('GET $name is a 400 with a message', async ({ path, message }) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.json().error).toMatch(message);
  });

  it('still answers after all those bad requests', async () => {
    expect((await get('/api/info')).status).toBe(200);
  });

  it('gives one experiment with summaries, evaluations (with intervals) and checkpoints; an unknown id is a 404', async () => {
    const d = (await get('/api/experiments/exp_a')).json() as { experiment: { name: string }; metrics: { key: string; count: number }[]; evaluations: { interval: { lower: number; upper: number; method: string } }[]; checkpoints: unknown[] };
    expect(d.experiment.name).toBe('baseline');
    expect(d.metrics).toEqual([expect.objectContaining({ key: 'loss', count: 5000 })]);
    expect(d.checkpoints).toHaveLength(1);
    const interval = d.evaluations[0]?.interval;
    expect(interval?.method).toMatch(/Wilson/);
    expect(interval?.lower).toBeLessThan(0.75);
    expect(interval?.upper).toBeGreaterThan(0.75);
    expect((await get('/api/experiments/exp_')).status).toBe(400); // ambiguous prefix
    expect((await get('/api/experiments/exp_zzz')).status).toBe(404);
    expect((await get('/api/experiments/exp_a/metric?key=nope')).status).toBe(404);
  });

  it('downsamples a metric to the points asked for, drops NaN, zooms into a window and smooths', async () => {
    const full = (await get('/api/experiments/exp_a/metric?key=loss&points=200')).json() as { x: number[]; y: number[]; total: number; inWindow: number; nonFinite: number; method: string };
    expect([full.total, full.inWindow, full.nonFinite]).toEqual([5000, 5000, 1]);
    expect(full.x).toHaveLength(200);
    expect(full.method).toBe('lttb');
    expect(full.x[0]).toBe(0);
    expect(full.x.at(-1)).toBe(4999);
    expect(full.y.every((v) => Number.isFinite(v))).toBe(true);
    const zoom = (await get('/api/experiments/exp_a/metric?key=loss&points=200&from=1000&to=1100')).json() as { x: number[]; inWindow: number; nonFinite: number; method: string };
    expect([zoom.inWindow, zoom.nonFinite]).toEqual([101, 0]);
    expect(zoom.x).toHaveLength(101); // the whole window, at full detail
    expect(zoom.method).toBe('none');
    const minmax = (await get('/api/experiments/exp_a/metric?key=loss&points=100&method=minmax')).json() as { x: number[]; method: string };
    expect(minmax.x.length).toBeLessThanOrEqual(102);
    expect(minmax.method).toBe('minmax');
    const smooth = (await get('/api/experiments/exp_a/metric?key=loss&points=5000&smoothing=0.9')).json() as { y: number[] };
    const rough = (await get('/api/experiments/exp_a/metric?key=loss&points=5000')).json() as { y: number[] };
    const wiggle = (ys: number[]) => ys.slice(2000, 3000).reduce((s, v, i, a) => s + (i === 0 ? 0 : Math.abs(v - (a[i - 1] as number))), 0);
    expect(wiggle(smooth.y)).toBeLessThan(wiggle(rough.y) / 3);
  });

  it('compares runs with significance and pairs their samples item by item', async () => {
    const c = (await get('/api/compare?ids=exp_a,exp_b')).json() as { configDifferences: { key: string }[]; metrics: { benchmark: string | null; significance: unknown[] }[]; metricKeys: string[]; sharedBenchmarks: string[] };
    expect(c.configDifferences.map((d) => d.key)).toEqual(['learning_rate']);
    expect(c.sharedBenchmarks).toEqual(['qa']);
    expect(c.metricKeys).toEqual(['loss']);
    const qa = c.metrics.find((m) => m.benchmark === 'qa');
    expect(qa?.significance[1]).toMatchObject({ method: 'mcnemar', paired: true, n: 40 });

    const s = (await get('/api/compare/samples?a=exp_a&b=exp_b&benchmark=qa&view=a_only')).json() as { counts: Record<string, number>; total: number; rows: { id: string; prompt: string; gold: string; a: { correct: boolean; output: string }; b: { correct: boolean; output: string } }[] };
    expect(s.counts).toMatchObject({ a_only: 10, b_only: 10, both_right: 20, both_wrong: 0, all: 40 });
    expect(s.total).toBe(10);
    expect(s.rows[0]).toMatchObject({ id: 'item-0', prompt: 'What is 0 + 0?', gold: '0', a: { correct: true, output: 'The answer is 0' }, b: { correct: false, output: 'The answer is 1' } });
    const search = (await get('/api/compare/samples?a=exp_a&b=exp_b&benchmark=qa&view=all&q=is%2037')).json() as { rows: { id: string }[] };
    expect(search.rows.map((r) => r.id)).toEqual(['item-37']);
    expect((await get('/api/compare/samples?a=exp_a&b=exp_b&benchmark=nope')).status).toBe(404);
  });

  it('lists benchmarks and ranks runs on a leaderboard, also by group', async () => {
    expect((await get('/api/benchmarks')).json()).toEqual({ benchmarks: [{ benchmark: 'qa', metrics: ['accuracy'], runs: 2 }] });
    const lb = (await get('/api/leaderboard?benchmark=qa')).json() as { rows: { id: string; ci: [number, number] }[] };
    expect(lb.rows.map((r) => r.id).sort()).toEqual(['exp_a', 'exp_b']);
    expect(lb.rows[0]?.ci[0]).toBeLessThan(0.75);
    const groups = (await get('/api/leaderboard?benchmark=qa&groupBy=group')).json() as { rows: { label: string; runs: number }[] };
    expect(groups.rows).toEqual([expect.objectContaining({ label: 'g1', runs: 2 })]);
    const training = (await get('/api/leaderboard?metric=loss')).json() as { rows: { id: string }[] };
    expect(training.rows.map((r) => r.id)).toEqual(['exp_a', 'exp_b', 'exp_c']); // lower loss is better
  });

  it('refuses edits without --allow-edit', async () => {
    const r = await raw(ui.port, '/api/experiments/exp_a/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ notes: 'x' }) });
    expect(r.status).toBe(403);
    expect(r.json().error).toMatch(/read-only/);
    expect((await store.getExperiment('exp_a'))?.notes).toBe('');
  });

  it('answers unknown routes and methods with 404 and 405', async () => {
    expect((await get('/api/nothing')).status).toBe(404);
    expect((await get('/api/experiments/exp_a/metric/extra/parts')).status).toBe(404);
    expect((await raw(ui.port, '/api/experiments', { method: 'DELETE' })).status).toBe(405);
    expect((await raw(ui.port, '/', { method: 'POST' })).status).toBe(405);
  });

  it('serves the assets and nothing outside them', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<title>exptrack</title>');
    expect(index.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    for (const path of [
      '/assets/../secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/%2e%2e%2fsecret.txt',
      '/assets/..%5csecret.txt',
      '/assets/....//secret.txt',
      '/assets//etc/passwd',
      '/assets/%00app.js',
      '/../secret.txt',
      '/secret.txt',
      '/ui/app.js',
      '/assets/',
    ]) {
      const r = await get(path);
      expect([400, 404], path).toContain(r.status);
      expect(r.text, path).not.toContain('TOP SECRET');
    }
    const absolute = await get('http://127.0.0.1/etc/passwd');
    expect(absolute.status).toBe(400);
  });

  it('answers only to loopback host names (no DNS rebinding)', async () => {
    const r = await raw(ui.port, '/api/info', { headers: { host: 'evil.example:80' } });
    expect(r.status).toBe(403);
    expect((await raw(ui.port, '/api/info', { headers: { host: `localhost:${ui.port}` } })).status).toBe(200);
  });
});

describe('dashboard API with a token and edits allowed', () => {
  let store: MemoryBackend;
  let ui: DashboardServer;
  const token = 's3cret-token-for-tests';

  beforeAll(async () => {
    store = await demoStore();
    ui = await serve({ store, assetsDir: fakeAssets(), token, allowEdit: true });
  });
  afterAll(async () => {
    await ui.close();
    await store.close();
  });

  it('prints the URL with the token and answers 401 without it', async () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/?token=${token}`);
    for (const path of ['/', '/assets/app.js', '/api/info', '/api/experiments']) {
      const r = await raw(ui.port, path);
      expect(r.status, path).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/Bearer/);
    }
    expect((await raw(ui.port, '/api/info', { headers: { authorization: 'Bearer wrong-token-000000' } })).status).toBe(401);
    expect((await raw(ui.port, '/api/info', { headers: { cookie: 'exptrack_token=nope' } })).status).toBe(401);
  });

  it('accepts the bearer token, and trades ?token= for a cookie', async () => {
    expect((await raw(ui.port, '/api/info', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const r = await raw(ui.port, `/?token=${token}`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await raw(ui.port, '/api/info', { headers: { cookie: cookie.split(';')[0] as string } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.json()).toMatchObject({ allowEdit: true });
  });

  it('edits tags and notes through the tracker, and validates the body', async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const tags = await raw(ui.port, '/api/experiments/exp_a/tags', { method: 'POST', headers: auth, body: JSON.stringify({ set: { reviewed: 'yes' }, remove: ['stage'] }) });
    expect(tags.status).toBe(200);
    expect(tags.json()).toEqual({ id: 'exp_a', tags: { reviewed: 'yes' } });
    const notes = await raw(ui.port, '/api/experiments/exp_a/notes', { method: 'POST', headers: auth, body: JSON.stringify({ notes: 'looks good' }) });
    expect(notes.json()).toEqual({ id: 'exp_a', notes: 'looks good' });
    const stored = await store.getExperiment('exp_a');
    expect(stored).toMatchObject({ notes: 'looks good', tags: { reviewed: 'yes' }, status: 'completed' });

    expect((await raw(ui.port, '/api/experiments/exp_a/notes', { method: 'POST', headers: auth, body: '{not json' })).status).toBe(400);
    expect((await raw(ui.port, '/api/experiments/exp_a/notes', { method: 'POST', headers: auth, body: JSON.stringify({ notes: 5 }) })).status).toBe(400);
    expect((await raw(ui.port, '/api/experiments/exp_a/tags', { method: 'POST', headers: auth, body: JSON.stringify({ set: { k: 1 } }) })).status).toBe(400);
    expect((await raw(ui.port, '/api/experiments/exp_a/tags', { method: 'POST', headers: auth, body: JSON.stringify({}) })).status).toBe(400);
    const badKey = await raw(ui.port, '/api/experiments/exp_a/tags', { method: 'POST', headers: auth, body: JSON.stringify({ set: { '': 'v' } }) });
    expect(badKey.status).toBe(400);
    expect((await raw(ui.port, '/api/experiments/exp_a/notes', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: '{}' })).status).toBe(415);
    expect((await raw(ui.port, '/api/experiments/exp_a/notes', { method: 'POST', headers: { ...auth, origin: 'http://evil.example' }, body: JSON.stringify({ notes: 'x' }) })).status).toBe(403);
    expect((await raw(ui.port, '/api/experiments/exp_a/notes', { method: 'POST', headers: auth, body: JSON.stringify({ notes: 'x'.repeat(300_000) }) })).status).toBe(413);
    expect((await store.getExperiment('exp_a'))?.notes).toBe('looks good');
  });
});

describe('binding another address', () => {
  it('generates a token when none is given', async () => {
    const store = await demoStore();
    const ui = await serve({ store, assetsDir: fakeAssets(), host: '0.0.0.0' });
    try {
      expect(ui.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(ui.url).toContain(`?token=${ui.token}`);
      expect((await raw(ui.port, '/api/info')).status).toBe(401);
      expect((await raw(ui.port, '/api/info', { headers: { authorization: `Bearer ${ui.token}` } })).status).toBe(200);
    } finally {
      await ui.close();
      await store.close();
    }
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.4', 'example.com', '::'].some(isLoopback)).toBe(false);
  });
});
