// The dashboard over the Postgres backend: the same API answers as over memory. Skips with a
// message when no PostgreSQL answers (EXPTRACK_TEST_PG_URL).
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresBackend } from 'exptrack/postgres';
import { PG_SKIP_REASON, PG_URL, dropSchemas, freshName, probePostgres } from '../fixtures/pg-test-server.js';
import { demoEvents, fakeAssets, serve } from './fixtures.js';

const available = await probePostgres();
const schemas: string[] = [];
afterAll(() => (available ? dropSchemas(schemas) : undefined));

describe.skipIf(!available)(available ? 'dashboard over Postgres' : `dashboard over Postgres (skipped: ${PG_SKIP_REASON})`, () => {
  it('lists, filters, downsamples, compares and pairs samples', async () => {
    const schema = freshName();
    schemas.push(schema);
    const store = new PostgresBackend({ connectionString: PG_URL, schema });
    await store.init();
    await store.write(demoEvents());
    await store.flush();
    const ui = await serve({ store, assetsDir: fakeAssets() });
    const get = async (path: string) => {
      const res = await fetch(`${ui.url.replace(/\/$/, '')}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    try {
      expect((await get('/api/info')).body).toMatchObject({ backend: 'postgres' });
      const list = (await get(`/api/experiments?filter=${encodeURIComponent('params.learning_rate < 0.05')}&sort=name`)).body as { total: number; experiments: { name: string; metrics: Record<string, number> }[] };
      expect(list.total).toBe(2);
      expect(list.experiments.map((e) => e.name)).toEqual(['baseline', 'slower']);
      expect(list.experiments[0]?.metrics['qa/accuracy']).toBe(0.75);
      const curve = (await get('/api/experiments/exp_a/metric?key=loss&points=100')).body as { x: number[]; total: number; nonFinite: number };
      expect([curve.total, curve.nonFinite]).toEqual([5000, 1]);
      expect(curve.x).toHaveLength(100);
      const samples = (await get('/api/compare/samples?a=exp_a&b=exp_b&benchmark=qa&view=b_only')).body as { total: number; rows: { id: string }[] };
      expect(samples.total).toBe(10);
      expect(samples.rows[0]?.id).toBe('item-30');
      expect((await get('/api/experiments?filter=%3D%3D')).status).toBe(400);
    } finally {
      await ui.close();
      await store.close();
    }
  });
});
