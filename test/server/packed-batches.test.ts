import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWireJson, ExptrackError, type TrackerEvent } from 'exptrack';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { makeExperiment } from 'exptrack/testing';
import { encodeEvents } from '../../src/backends/http/pack-events.js';
import { parseIngestBatch } from '../../src/server/ingest-schema.js';
import { serve } from '../fixtures/tracking-server.js';

const metrics = (experimentId: string, rows: Array<[string, number, number, number]>): TrackerEvent => ({
  type: 'metrics',
  experimentId,
  points: { keys: rows.map((r) => r[0]), steps: rows.map((r) => r[1]), values: rows.map((r) => r[2]), timestamps: rows.map((r) => r[3]), rank: 2 },
});

/** What the server makes of what the client sends. */
function roundTrip(events: TrackerEvent[]): TrackerEvent[] {
  return parseIngestBatch(decodeWireJson(`{"session":"s","sequence":1,"events":[${encodeEvents(events).text}]}`)).events;
}

function packedOf(event: TrackerEvent): Record<string, unknown> {
  return (JSON.parse(encodeEvents([event]).text) as { packed: Record<string, unknown> }).packed;
}

describe('packed metric columns', () => {
  it('arrive exactly as logged: NaN and ±Infinity, key names starting with $, whole and fractional timestamps', () => {
    const t = 1_767_225_600_000;
    const events: TrackerEvent[] = [
      { type: 'experiment_started', experiment: makeExperiment({ id: 'exp_a', config: { $lr: 0.1 } }) },
      metrics('exp_a', [['loss', 0, 0.5, t], ['$odd', 0, NaN, t], ['loss', 1, Infinity, t + 7], ['acc', 1, -Infinity, t + 3], ['loss', 2, 1 / 3, t - 2]]),
      metrics('exp_a', [['loss', 3, 0.1, t + 0.25], ['loss', 4, -0, t + 1.5]]),
    ];
    expect(roundTrip(events)).toEqual(events);
    const packed = packedOf(events[1]!);
    expect(packed.names).toEqual(['loss', '$odd', 'acc']);
    expect(packed.key).toEqual([0, 1, 0, 2, 0]);
    expect(packed.timeDiff).toEqual([t, 0, 7, -4, -5]);
    expect(typeof packed.value64).toBe('string');
    expect(packedOf(events[2]!).time).toEqual([t + 0.25, t + 1.5]);
  });

  it('are refused with the field named when malformed', () => {
    const good = packedOf(metrics('exp_a', [['loss', 0, 0.5, 1000], ['acc', 1, 0.25, 1001]]));
    const refusal = (packed: Record<string, unknown>) => {
      try {
        parseIngestBatch({ session: 's', sequence: 1, events: [{ type: 'metrics', experimentId: 'exp_a', packed }] });
      } catch (error) {
        expect(ExptrackError.is(error) && error.code).toBe('invalid_input');
        return (error as ExptrackError).field;
      }
      return 'accepted';
    };
    expect(refusal(good)).toBe('accepted');
    expect(refusal({ ...good, key: [0, 2] })).toBe('events[0].packed.key[1]');
    expect(refusal({ ...good, step: [0, -1] })).toBe('events[0].packed.step[1]');
    expect(refusal({ ...good, timeDiff: [1000, 0.5] })).toBe('events[0].packed.timeDiff[1]');
    expect(refusal({ ...good, value64: (good.value64 as string).slice(4) })).toBe('events[0].packed.value64');
    expect(refusal({ ...good, value64: `!${(good.value64 as string).slice(1)}` })).toBe('events[0].packed.value64');
    expect(refusal({ ...good, names: ['loss', ''] })).toBe('events[0].packed.names[1]');
    expect(refusal({ ...good, value64: undefined, value: [0.5] })).toBe('events[0].packed.value');
  });
});

/** A server stand-in: records each body, answers as `answer` says. */
function fakeServer(answer: (body: string, n: number) => Promise<number>) {
  const bodies: string[] = [];
  const fetch = (async (_url: string, init: { body?: string }) => {
    bodies.push(init.body!);
    const status = await answer(init.body!, bodies.length);
    return new Response(status === 200 ? '{"ok":true}' : '{"error":"busy"}', { status, headers: { 'content-type': 'application/json', ...(status === 503 ? { 'retry-after': '0' } : {}) } });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, bodies: () => bodies.map((b) => JSON.parse(b) as { sequence: number; events: Array<{ type: string; packed?: { step: number[] } }> }) };
}

describe('HttpBackend requests', () => {
  it('sends the batches queued behind a request together, under the number of the last one', async () => {
    let release!: () => void;
    const firstHeld = new Promise<void>((resolve) => (release = resolve));
    const server = fakeServer(async (_body, n) => {
      if (n === 1) await firstHeld;
      return 200;
    });
    const backend = new HttpBackend({ url: 'http://127.0.0.1:1', fetch: server.fetch });
    const writes = [
      backend.write([{ type: 'experiment_started', experiment: makeExperiment({ id: 'exp_a' }) }]),
      backend.write([metrics('exp_a', [['loss', 1, 0.5, 1000]])]),
      backend.write([metrics('exp_a', [['loss', 2, 0.4, 1001]]), { type: 'experiment_updated', experimentId: 'exp_a', changes: { heartbeatAt: 1001 } }]),
      backend.write([metrics('exp_a', [['loss', 3, 0.3, 1002]])]),
      backend.write([{ type: 'experiment_started', experiment: makeExperiment({ id: 'exp_b' }) }]),
    ];
    release();
    await Promise.all(writes);
    const sent = server.bodies();
    expect(sent.map((b) => b.sequence)).toEqual([1, 4, 5]);
    expect(sent[1]!.events.map((e) => e.type)).toEqual(['metrics', 'metrics', 'experiment_updated', 'metrics']);
    expect(sent[1]!.events.filter((e) => e.packed).map((e) => e.packed!.step)).toEqual([[1], [2], [3]]);
    await backend.close();
  });

  it('retries a request with exactly the batches of its first attempt, even when more were queued meanwhile', async () => {
    let more!: () => void;
    const server = fakeServer(async (_body, n) => {
      if (n === 2) more(); // the merged request fails once; meanwhile another batch is queued
      return n === 2 ? 503 : 200;
    });
    const backend = new HttpBackend({ url: 'http://127.0.0.1:1', fetch: server.fetch });
    const first = backend.write([metrics('exp_a', [['loss', 1, 0.5, 1000]])]);
    const queued = [backend.write([metrics('exp_a', [['loss', 2, 0.4, 1001]])]), backend.write([metrics('exp_a', [['loss', 3, 0.3, 1002]])])];
    const late = new Promise<Promise<void>>((resolve) => (more = () => resolve(backend.write([metrics('exp_a', [['loss', 4, 0.2, 1003]])]))));
    await Promise.all([first, ...queued, await late]);
    const sent = server.bodies();
    expect(sent.map((b) => b.sequence)).toEqual([1, 3, 3, 4]);
    expect(JSON.stringify(sent[2])).toBe(JSON.stringify(sent[1]));
    await backend.close();
  });
});

describe('HttpBackend reads', () => {
  it('reads the summaries of a page of runs ahead, in the same request, and asks again after a write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exptrack-read-ahead-'));
    const paths: string[] = [];
    const served = await serve(new SqliteBackend({ path: join(dir, 'runs.db') }), { log: (entry) => paths.push(entry.path) });
    const backend = new HttpBackend({ url: served.server.url });
    try {
      const runs = ['exp_a', 'exp_b', 'exp_c'].map((id, i) => makeExperiment({ id, createdAt: 1_000 + i }));
      await backend.write([...runs.map((experiment) => ({ type: 'experiment_started' as const, experiment })), metrics('exp_a', [['loss', 1, 0.5, 1000], ['loss', 2, NaN, 1001]]), metrics('exp_c', [['acc', 1, 0.9, 1000]])]);
      paths.length = 0;
      const page = await backend.getAllExperiments({ limit: 2 });
      const summaries = await backend.getMetricSummaries(page.map((run) => run.id));
      expect(page.map((run) => run.id)).toEqual(['exp_c', 'exp_b']);
      expect(summaries).toEqual(await served.store.getMetricSummaries(['exp_b', 'exp_c']));
      expect(paths).toEqual(['/api/v1/experiments']);
      await backend.getAllExperiments({ limit: 2 });
      await backend.write([metrics('exp_c', [['acc', 2, 0.95, 1001]])]);
      expect((await backend.getMetricSummaries(['exp_c']))[0]!.count).toBe(2);
      expect(paths.slice(1)).toEqual(['/api/v1/experiments', '/api/v1/batches', '/api/v1/metric-summaries']);
    } finally {
      await backend.close();
      await served.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
