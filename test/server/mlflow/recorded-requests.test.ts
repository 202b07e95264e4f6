// The requests MLflow's Python client sent while running client_scenario.py (recorded with
// record_requests.py; of the 1,000 log-batch calls of the metric loop the first 20 are kept),
// replayed against a fresh server: every request gets the status it got from the client's run,
// error bodies carry the same MLflow error codes, and reads return what the writes before them wrote.
// Runs without Python.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { mlflowMounts } from '../../../src/server/mlflow/mlflow-routes.js';
import { serve, type ServedStore } from '../../fixtures/tracking-server.js';

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string> | string | null;
  body: unknown;
  status: number;
  response: any;
  truncated?: boolean;
}

const recorded = readFileSync(join(import.meta.dirname, '../../fixtures/mlflow/request-fixtures.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as Recorded);

const dir = mkdtempSync(join(tmpdir(), 'exptrack-mlflow-replay-'));
let served: ServedStore;
beforeAll(async () => {
  const store = new SqliteBackend({ path: join(dir, 'replay.db') });
  await store.init();
  served = await serve(store, { mounts: mlflowMounts({ store }) });
});
afterAll(async () => {
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the MLflow client recorded requests, replayed', () => {
  it('answers each with the status, error code and shape the client got', async () => {
    // Run ids are random: learn the new id of each recorded one from the answers.
    const ids = new Map<string, string>();
    const rewrite = (text: string) => {
      let out = text;
      for (const [from, to] of ids) out = out.replaceAll(from, to);
      return out;
    };
    expect(recorded.length).toBeGreaterThan(90);
    for (const request of recorded) {
      const query = request.query === null ? '' : typeof request.query === 'string' ? `?${request.query}` : `?${new URLSearchParams(request.query).toString()}`;
      const url = `${served.server.url}${rewrite(request.path + query)}`;
      const init: RequestInit = { method: request.method };
      if (request.body !== null && request.body !== undefined) {
        const isFile = request.method === 'PUT';
        init.body = isFile ? rewrite(String(request.body)) : rewrite(JSON.stringify(request.body));
        init.headers = { 'content-type': isFile ? 'application/octet-stream' : 'application/json' };
      }
      const response = await fetch(url, init);
      const text = await response.text();
      const answer = text.startsWith('{') ? JSON.parse(text) : text;
      const what = `${request.method} ${request.path}`;
      expect(response.status, what).toBe(request.status);
      if (request.status >= 400) {
        expect(answer.error_code, what).toBe(request.response.error_code);
        continue;
      }
      learnIds(request.response, answer, ids);
      if (request.path.endsWith('/experiments/get') || request.path.endsWith('/experiments/create')) expect(answer, what).toEqual(rewriteTimes(request.response, answer));
      if (request.path.endsWith('/runs/get')) {
        expect(answer.run.info.status, what).toBe(request.response.run.info.status);
        expect(sorted(answer.run.data.params), what).toEqual(sorted(request.response.run.data.params));
        expect(sorted(answer.run.data.tags), what).toEqual(sorted(request.response.run.data.tags).map((t: { key: string; value: string }) => ({ ...t, value: rewrite(t.value) })));
      }
      if (request.path.endsWith('/runs/search')) expect(answer.runs?.map((r: any) => r.info.run_name), what).toEqual(request.response.runs?.map((r: any) => r.info.run_name));
      if (request.path.endsWith('/artifacts') && request.method === 'GET') expect(answer, what).toEqual(request.response);
      if (request.path.endsWith('/metrics/get-history') && !request.truncated) expect(answer, what).toEqual(request.response);
    }
  });
});

function learnIds(recordedAnswer: unknown, actual: unknown, ids: Map<string, string>): void {
  if (typeof recordedAnswer !== 'object' || recordedAnswer === null || typeof actual !== 'object' || actual === null) return;
  for (const [key, value] of Object.entries(recordedAnswer)) {
    const other = (actual as Record<string, unknown>)[key];
    if ((key === 'run_id' || key === 'run_uuid') && typeof value === 'string' && typeof other === 'string') ids.set(value, other);
    else learnIds(value, other, ids);
  }
}

/** The recorded answer with the times of the actual one (times differ between runs). */
function rewriteTimes(recordedAnswer: any, actual: any): any {
  if (recordedAnswer?.experiment === undefined) return recordedAnswer;
  return { experiment: { ...recordedAnswer.experiment, creation_time: actual.experiment.creation_time, last_update_time: actual.experiment.last_update_time } };
}

function sorted<T extends { key: string; value: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => (a.key < b.key ? -1 : 1));
}
