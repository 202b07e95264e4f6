import { describe, expect, it } from 'vitest';
import { type ExperimentReader, type TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { exportAll, exportExperiment, exportMetricsCsv, importExperiments, type ExptrackExport } from 'exptrack/analysis';
import { evaluation, memoryStore, points, started, errorOf } from './store-fixtures.js';

const git = { commit: 'c'.repeat(40), branch: 'main', remoteUrl: null, dirty: true, changedFiles: ['a.ts'], untrackedCount: 1, patch: 'diff', patchTruncated: false, root: '/r', via: 'git-cli' as const };
const events: TrackerEvent[] = [
  started('exp_1', { learning_rate: 1e-3, optimizer: { name: 'adam', betas: [0.9, 0.999] }, weird: 'NaN', nested: { $number: 'x' } }, {
    tags: { stage: 'sft' }, group: 'g', git, notes: 'first', summary: { best: NaN, top: Infinity, list: [1, -Infinity], text: 'Infinity' },
    endedAt: 1_767_300_000_000, error: { message: 'boom', stack: null }, status: 'failed',
  }),
  points('exp_1', 'loss', [2, NaN, Infinity, -Infinity, 0.5]),
  points('exp_1', 'loss', [9, 8], 1),
  { type: 'metrics', experimentId: 'exp_1', points: { keys: ['acc', 'loss'], steps: [3, 3], values: [0.5, 0.25], timestamps: [5, 6], rank: 0 } },
  evaluation('exp_1', 'gsm8k', { accuracy: 0.5, weird: NaN, big: Infinity }, [
    { id: 'q1', correct: true, score: 1, latencyMs: 12.5, output: 'x', metadata: { cluster: 'a', v: NaN } },
    { id: 'q2', correct: false, score: NaN, error: null, attempt: 0 },
  ], 1),
  evaluation('exp_1', 'gsm8k', { accuracy: 1 }, [{ id: 'q1', correct: true }], 2),
  evaluation('exp_1', 'math', { accuracy: 0.1 }, [], 3),
  { type: 'checkpoint', experimentId: 'exp_1', checkpoint: { experimentId: 'exp_1', path: '/ck/1', step: 3, metrics: { loss: -Infinity }, sizeBytes: 10, sha256: 'f'.repeat(64), fileCount: 1, createdAt: 7 } },
  started('exp_2', {}, { status: 'running' }),
  points('exp_2', 'x', [1]),
];

async function snapshot(store: ExperimentReader) {
  const experiments = await store.getAllExperiments({ sort: 'created', direction: 'asc' });
  const runs = [];
  for (const e of experiments) {
    runs.push({
      experiment: e,
      metrics: await store.getMetrics(e.id),
      summaries: await store.getMetricSummaries(e.id),
      evaluations: await store.getEvaluationResults(e.id),
      samples: await store.getEvaluationSamples(e.id),
      checkpoints: await store.getCheckpoints(e.id),
    });
  }
  return runs;
}

describe('export and import', () => {
  it('round-trips every experiment through JSON text into a new backend exactly, NaN and Infinity included', async () => {
    const source = await memoryStore(events);
    const dump = await exportAll(source);
    expect(dump).toMatchObject({ format: 'exptrack-export', schemaVersion: 1 });
    const text = JSON.stringify(dump);
    expect(text).toContain('"value":"NaN"');
    expect(text).toContain('"best":{"$number":"NaN"}');
    const target = new MemoryBackend();
    const result = await importExperiments(target, text);
    expect(result).toMatchObject({ imported: ['exp_1', 'exp_2'], skipped: [] });
    expect(await snapshot(target)).toEqual(await snapshot(source));
    expect(await target.getStats()).toEqual(await source.getStats());
    // A real string "NaN" in a config stays a string; only tagged numbers become numbers.
    const config = (await target.getExperiment('exp_1'))?.config;
    expect(config?.weird).toBe('NaN');
    expect(config?.nested).toEqual({ $number: 'x' });
    expect((await target.getExperiment('exp_1'))?.summary).toEqual({ best: NaN, top: Infinity, list: [1, -Infinity], text: 'Infinity' });
  });

  it('restores into the SQLite store as the original writes would have', async () => {
    // The import must be the original events again: a store gets the same from both.
    const original = new SqliteBackend({ path: ':memory:' });
    const restored = new SqliteBackend({ path: ':memory:' });
    await original.init();
    await restored.init();
    await original.write(events);
    await importExperiments(restored, await exportAll(await memoryStore(events)));
    expect(await snapshot(restored)).toEqual(await snapshot(original));
    expect((await restored.getMetrics('exp_1', 'loss')).map((p) => p.value)).toEqual([2, 9, NaN, 8, Infinity, -Infinity, 0.25, 0.5]);
    await original.close();
    await restored.close();
  });

  it('exports one experiment, and keeps each evaluation with its own samples', async () => {
    const source = await memoryStore(events);
    const one = await exportExperiment(source, 'exp_1');
    expect(one.experiments).toHaveLength(1);
    const evaluations = one.experiments[0]?.evaluations ?? [];
    expect(evaluations.map((e) => [e.benchmark, e.samples.map((s) => s.id)])).toEqual([['gsm8k', ['q1', 'q2']], ['gsm8k', ['q1']], ['math', []]]);
    expect(evaluations[0]?.metrics).toEqual({ accuracy: 0.5, weird: 'NaN', big: 'Infinity' });
    expect(evaluations[0]?.samples[1]).toEqual({ id: 'q2', correct: false, score: 'NaN', error: null, attempt: 0 });
    expect((await errorOf(exportExperiment(source, 'nope'))).code).toBe('not_found');
  });

  it('exports only what a filter selects', async () => {
    const source = await memoryStore(events);
    const dump = await exportAll(source, { filter: 'status = "running"' });
    expect(dump.experiments.map((e) => e.experiment.id)).toEqual(['exp_2']);
  });

  it('refuses conflicts before writing anything, or skips them', async () => {
    const source = await memoryStore(events);
    const dump = await exportAll(source);
    const target = await memoryStore([started('exp_2')]);
    const conflict = await errorOf(importExperiments(target, dump));
    expect(conflict).toMatchObject({ code: 'already_exists', value: 'exp_2' });
    expect(await target.getExperiment('exp_1')).toBeUndefined();
    expect(await importExperiments(target, dump, { onConflict: 'skip' })).toMatchObject({ imported: ['exp_1'], skipped: ['exp_2'] });
  });

  it('names the path of a malformed field and writes nothing', async () => {
    const source = await memoryStore(events);
    const dump = JSON.parse(JSON.stringify(await exportAll(source))) as ExptrackExport;
    const broken = structuredClone(dump);
    (broken.experiments[1]?.metrics[0] as { value: unknown }).value = 'lots';
    const target = new MemoryBackend();
    const bad = await errorOf(importExperiments(target, broken));
    expect(bad).toMatchObject({ code: 'invalid_input', field: 'json.experiments[1].metrics[0].value' });
    expect(await target.getAllExperiments()).toEqual([]);
    expect((await errorOf(importExperiments(target, '{oops'))).code).toBe('parse_error');
    expect((await errorOf(importExperiments(target, { ...dump, schemaVersion: 2 }))).code).toBe('unsupported');
    expect((await errorOf(importExperiments(target, { ...dump, format: 'other' }))).field).toBe('json.format');
    const status = structuredClone(dump);
    (status.experiments[0]?.experiment as Record<string, unknown>).status = 'exploded';
    expect((await errorOf(importExperiments(target, status))).field).toBe('json.experiments[0].experiment.status');
  });

  it('writes metric series as CSV, long and wide', async () => {
    const source = await memoryStore([
      started('r'),
      { type: 'metrics', experimentId: 'r', points: { keys: ['loss', 'lr', 'loss', 'loss'], steps: [0, 0, 1, 1], values: [2.5, 0.001, NaN, -Infinity], timestamps: [10, 10, 20, 21], rank: 0 } },
    ]);
    expect(await exportMetricsCsv(source, 'r')).toBe('key,step,value,timestamp,rank\r\nloss,0,2.5,10,0\r\nloss,1,NaN,20,0\r\nloss,1,-Infinity,21,0\r\nlr,0,0.001,10,0\r\n');
    expect(await exportMetricsCsv(source, 'r', { layout: 'wide' })).toBe('step,loss,lr\r\n0,2.5,0.001\r\n1,-Infinity,\r\n');
    expect(await exportMetricsCsv(source, 'r', { keys: ['lr'] })).toBe('key,step,value,timestamp,rank\r\nlr,0,0.001,10,0\r\n');
    expect((await errorOf(exportMetricsCsv(source, 'nope'))).code).toBe('not_found');
  });
});
