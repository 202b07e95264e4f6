// Archiving and deleting runs from the dashboard (--allow-edit): archived runs leave the list and the
// leaderboard until asked for; a delete needs the full id repeated; a read-only dashboard does neither.
import { describe, expect, it } from 'vitest';
import { demoStore, fakeAssets, serve } from './fixtures.js';

async function call(url: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(new URL(path, url), body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

const ids = (page: Record<string, any>) => (page.experiments as { id: string }[]).map((e) => e.id).sort();

describe('archive and delete from the dashboard', () => {
  it('hides an archived run from the list and the leaderboard until asked, brings it back, and deletes only with the full id', async () => {
    const store = await demoStore();
    const ui = await serve({ store, assetsDir: fakeAssets(), allowEdit: true });
    try {
      expect((await call(ui.url, '/api/experiments/exp_b/archive', { archived: true })).json).toEqual({ id: 'exp_b', archived: true });
      expect(ids((await call(ui.url, '/api/experiments')).json)).toEqual(['exp_a', 'exp_c']);
      expect((await call(ui.url, '/api/experiments')).json.total).toBe(2);
      expect(ids((await call(ui.url, '/api/experiments?archived=1')).json)).toEqual(['exp_a', 'exp_b', 'exp_c']);
      const board = (await call(ui.url, '/api/leaderboard?benchmark=qa')).json;
      expect(board.rows.map((r: { id: string }) => r.id)).toEqual(['exp_a']);
      expect((await call(ui.url, '/api/leaderboard?benchmark=qa&archived=1')).json.rows).toHaveLength(2);
      expect((await call(ui.url, '/api/experiments/exp_b/archive', { archived: false })).json).toEqual({ id: 'exp_b', archived: false });
      expect(ids((await call(ui.url, '/api/experiments')).json)).toEqual(['exp_a', 'exp_b', 'exp_c']);
      expect((await call(ui.url, '/api/experiments/exp_b/archive', { archived: 'yes' })).status).toBe(400);

      const wrong = await call(ui.url, '/api/experiments/exp_b/delete', { confirm: 'exp_' });
      expect(wrong.status).toBe(400);
      expect(wrong.json.error).toContain('{ "confirm": "exp_b" }');
      expect(await store.getExperiment('exp_b')).toBeDefined();
      expect((await call(ui.url, '/api/experiments/exp_b/delete', { confirm: 'exp_b' })).json).toEqual({ id: 'exp_b', deleted: true });
      expect(await store.getExperiment('exp_b')).toBeUndefined();
      expect(await store.getMetrics('exp_b')).toEqual([]);
    } finally {
      await ui.close();
      await store.close();
    }
  });

  it('a read-only dashboard neither archives nor deletes', async () => {
    const store = await demoStore();
    const ui = await serve({ store, assetsDir: fakeAssets() });
    try {
      expect((await call(ui.url, '/api/experiments/exp_a/archive', { archived: true })).status).toBe(403);
      expect((await call(ui.url, '/api/experiments/exp_a/delete', { confirm: 'exp_a' })).status).toBe(403);
      expect(await store.getExperiment('exp_a')).toBeDefined();
    } finally {
      await ui.close();
      await store.close();
    }
  });
});
