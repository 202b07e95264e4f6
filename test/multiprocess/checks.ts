import { expect } from 'vitest';
import type { ExperimentReader, ExperimentTracker, MetricPoint } from 'exptrack';
import { runChild } from './helpers.js';

export const WRITERS = 8;
export const POINTS = 50_000;

/** Every step 0..n-1 exactly once, each with the value the writer logged. */
export function expectEveryPointOnce(points: MetricPoint[], n: number): void {
  expect(points).toHaveLength(n);
  const seen = new Uint8Array(n);
  let wrong = 0;
  for (const p of points) {
    seen[p.step]! += 1;
    if (p.value !== p.step / n || p.rank !== 0) wrong++;
  }
  expect(seen.every((c) => c === 1)).toBe(true);
  expect(wrong).toBe(0);
}

/** Eight writers, each with its own run: all points there once, every run completed, nothing reported. */
export async function checkWriters(store: ExperimentReader, results: Array<{ id: string; errors: string[] }>, points = POINTS): Promise<void> {
  expect(results.flatMap((r) => r.errors)).toEqual([]);
  expect(new Set(results.map((r) => r.id)).size).toBe(WRITERS);
  for (const { id } of results) {
    expectEveryPointOnce(await store.getMetrics(id, 'loss'), points);
    expect((await store.getExperiment(id))?.status).toBe('completed');
  }
  expect((await store.getStats()).metricPoints).toBe(WRITERS * points);
}

/** A parent starts a run; 4 workers join it with RANK 1-4 while the parent logs as rank 0. */
export async function checkRanks(store: ExperimentReader & { close(): Promise<void> }, parent: ExperimentTracker, childArgs: string[]): Promise<void> {
  const n = 2_000;
  const id = await parent.startExperiment({ learning_rate: 0.1 }, { name: 'ranked' });
  const children = [1, 2, 3, 4].map((rank) => runChild('pg-rank-child.ts', [...childArgs, String(n)], { EXPTRACK_EXPERIMENT_ID: id, RANK: String(rank) }));
  for (let step = 0; step < n; step++) parent.logMetrics({ loss: step }, step);
  await parent.logEvaluation('toy', { metrics: { accuracy: 0 }, samples: [{ id: 'from-rank-0' }] });
  const results = await Promise.all(children);
  expect(results.map((r) => r.id)).toEqual([id, id, id, id]);
  expect(results.flatMap((r) => r.errors)).toEqual([]);
  expect((await store.getExperiment(id))?.status).toBe('running'); // workers leave the status to the owner
  await parent.finishExperiment();

  const points = await store.getMetrics(id, 'loss');
  expect(points).toHaveLength(5 * n);
  const byRank = new Map<number, Set<number>>();
  for (const p of points) {
    expect(p.value).toBe(p.rank * 1e6 + p.step); // every point carries the rank that logged it
    let steps = byRank.get(p.rank);
    if (!steps) byRank.set(p.rank, (steps = new Set()));
    steps.add(p.step);
  }
  expect([...byRank.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
  for (const steps of byRank.values()) expect(steps.size).toBe(n);
  const evaluations = await store.getEvaluationResults(id);
  expect(evaluations.map((e) => e.metrics.accuracy)).toEqual([0]); // only rank 0 logs evaluations
  expect((await store.getEvaluationSamples(id)).map((s) => s.id)).toEqual(['from-rank-0']);
  expect((await store.getExperiment(id))?.status).toBe('completed');
}

