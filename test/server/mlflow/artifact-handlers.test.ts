// The artifact side of the MLflow API without Python: uploads become versions (the same bytes make
// none), the tracking service's artifacts/list and the proxy's list agree, downloads return the
// bytes, paths that climb out are refused, and an evaluation table becomes an evaluation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { mlflowMounts } from '../../../src/server/mlflow/mlflow-routes.js';
import { evaluationFromTable } from '../../../src/server/mlflow/evaluation-table.js';
import { serve, type ServedStore } from '../../fixtures/tracking-server.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-mlflow-artifacts-'));
let served: ServedStore;
let runId = '';
const api = (path: string, body?: unknown) =>
  fetch(`${served.server.url}/api/2.0/mlflow${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
const put = (path: string, bytes: string) => fetch(`${served.server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/${path}`, { method: 'PUT', body: bytes });

beforeAll(async () => {
  const store = new SqliteBackend({ path: join(dir, 'a.db') });
  await store.init();
  served = await serve(store, { mounts: mlflowMounts({ store }) });
  runId = (await api('/runs/create', { experiment_id: '0', run_name: 'files' })).json.run.info.run_id;
});
afterAll(async () => {
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('MLflow artifact endpoints', () => {
  it('stores, versions, lists and serves files', async () => {
    expect((await put('model.bin', 'v1')).status).toBe(200);
    expect((await put('model.bin', 'v1')).status).toBe(200);
    expect((await put('model.bin', 'v2')).status).toBe(200);
    expect((await put('plots/a.txt', 'a')).status).toBe(200);
    const versions = (await (served.store as SqliteBackend).getArtifacts(runId)).filter((a) => a.name === 'model.bin').map((a) => a.version);
    expect(versions).toEqual([1, 2]);
    const download = await fetch(`${served.server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model.bin`);
    expect(await download.text()).toBe('v2');
    const listed = await api(`/artifacts/list?run_id=${runId}&path=plots`);
    expect(listed.json).toEqual({ root_uri: `mlflow-artifacts:/0/${runId}/artifacts`, files: [{ path: 'plots/a.txt', is_dir: false, file_size: 1 }] });
    const root = await api(`/artifacts/list?run_id=${runId}`);
    expect(root.json.files).toEqual([{ path: 'model.bin', is_dir: false, file_size: 2 }, { path: 'plots', is_dir: true }]);
    const missing = await fetch(`${served.server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/nope.txt`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error_code: string }).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const climbing = await fetch(`${served.server.url}/api/2.0/mlflow-artifacts/artifacts?path=0/${runId}/artifacts/../../x`);
    expect(climbing.status).toBe(400);
  });

  it('records an evaluation table as an evaluation with one sample per row', async () => {
    const table = JSON.stringify({ columns: ['id', 'correct', 'subject'], data: [['a', true, 'math'], ['b', false, 'math'], ['c', true, 'art'], ['d', 1, 'art']] });
    expect((await put('exptrack-evaluations/quiz.json', table)).status).toBe(200);
    const [evaluation] = await served.store.getEvaluationResults(runId, 'quiz');
    expect(evaluation).toMatchObject({ benchmark: 'quiz', metrics: { accuracy: 0.75 }, sampleCount: 4 });
    const samples = await served.store.getEvaluationSamples(runId, 'quiz');
    expect(samples.map((s) => [s.id, s.correct, s.metadata?.subject])).toEqual([['a', true, 'math'], ['b', false, 'math'], ['c', true, 'art'], ['d', true, 'art']]);
    expect((await put('exptrack-evaluations/bad.json', '{"columns":["x"],"data":[]}')).status).toBe(400);
    expect(evaluationFromTable('r', 'other/quiz.json', new TextEncoder().encode('{}'), 0)).toBeUndefined();
  });
});
