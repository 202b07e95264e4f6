import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { MemoryBackend } from 'exptrack/memory';
import { evaluate, Gsm8kBenchmark } from 'exptrack/eval';
import { MINI_TEST } from './fixtures/gsm8k-mini.js';

const benchmark = () => new Gsm8kBenchmark({ records: { test: MINI_TEST }, numFewshot: 0 });
const answer = async (prompt: unknown) => {
  const i = MINI_TEST.findIndex((r) => String(prompt).includes(r.question));
  return i % 2 === 0 ? MINI_TEST[i]!.answer.replace(/<<[^>]*>>/g, '') : 'I do not know';
};

describe('results land in the tracker stores', () => {
  it('stores metrics and per-sample rows through tracker.logEvaluation (SQLite), and caches responses on disk for resume', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'exptrack-eval-')), 'runs.db');
    const store = new SqliteBackend({ path });
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true });
    const id = await tracker.startExperiment({ model: 'toy' }, { name: 'eval' });
    let calls = 0;
    const model = async (p: unknown) => (calls++, answer(p));
    const result = await evaluate({ model, modelId: 'toy', benchmark: benchmark(), tracker, cache: store });
    await tracker.finishExperiment();
    expect(result.metrics.accuracy).toBe(0.5);

    const reader = new SqliteBackend({ path });
    await reader.init();
    const [evaluation] = await reader.getEvaluationResults(id, 'gsm8k');
    expect(evaluation!.metrics.accuracy).toBe(0.5);
    expect(evaluation!.metrics.accuracy_ci_lower).toBeCloseTo(result.metrics.accuracy_ci_lower!, 12);
    expect(evaluation!.sampleCount).toBe(6);
    const rows = await reader.getEvaluationSamples(id, 'gsm8k');
    expect(rows).toHaveLength(6);
    expect(rows[0]).toMatchObject({ id: 'gsm8k-test-0', correct: true, extracted: '7', gold: '7', attempt: 0, error: null });
    expect(rows[1]).toMatchObject({ id: 'gsm8k-test-1', correct: false, extracted: '[invalid]' });

    // A new process (a new store on the same file) resumes from the on-disk cache: no model calls.
    calls = 0;
    const again = await evaluate({ model, modelId: 'toy', benchmark: benchmark(), cache: reader, resume: true });
    expect(calls).toBe(0);
    expect(again.metrics.n_cached).toBe(6);
    expect(again.metrics.accuracy).toBe(0.5);
    await reader.close();
    await store.close();
  });

  it('works with the memory backend as tracker store and response cache', async () => {
    const store = new MemoryBackend();
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false, strict: true });
    const id = await tracker.startExperiment({}, { name: 'eval-mem' });
    await evaluate({ model: answer, modelId: 'toy', benchmark: benchmark(), tracker, cache: store, step: 100 });
    await tracker.finishExperiment();
    const [evaluation] = await store.getEvaluationResults(id);
    expect(evaluation).toMatchObject({ benchmark: 'gsm8k', step: 100, sampleCount: 6 });
    expect(await store.getCachedResponse('nope')).toBeUndefined();
  });
});
