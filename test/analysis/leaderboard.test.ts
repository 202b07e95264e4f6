import { describe, expect, it, vi } from 'vitest';
import type { TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { leaderboard, leaderboardToCsv, studentTQuantile, wilsonInterval } from 'exptrack/analysis';
import { accuracyOf, binarySamples, evaluation, memoryStore, points, started, errorOf } from './store-fixtures.js';

describe('leaderboard over runs', () => {
  const a = binarySamples(200, (i) => i % 10 < 7); // 0.7
  const b = binarySamples(200, (i) => i % 10 < 8); // 0.8
  const events: TrackerEvent[] = [
    started('run_a', { learning_rate: 1e-3, model: 'mlp', optimizer: { name: 'adam', beta: 0.9 } }),
    evaluation('run_a', 'gsm8k', { accuracy: accuracyOf(a) }, a),
    started('run_b', { learning_rate: 3e-4, model: 'mlp', optimizer: { name: 'adam', beta: 0.99 } }, { tags: { stage: 'sft' } }),
    evaluation('run_b', 'gsm8k', { accuracy: 0.5 }), // superseded by the next evaluation
    evaluation('run_b', 'gsm8k', { accuracy: accuracyOf(b) }, b),
    started('run_c', { learning_rate: 1e-4, model: 'mlp', optimizer: { name: 'sgd' } }, { tags: { stage: 'sft' } }),
    evaluation('run_c', 'gsm8k', { accuracy: 0.75, accuracy_stderr: 0.02, accuracy_ci_lower: 0.71, accuracy_ci_upper: 0.79 }),
    started('run_d', { learning_rate: 1e-4, model: 'mlp' }),
    evaluation('run_d', 'gsm8k', { accuracy: 0.6 }),
    started('run_nan', { learning_rate: 1, model: 'mlp' }),
    evaluation('run_nan', 'gsm8k', { accuracy: NaN }),
    started('run_other', { learning_rate: 1, model: 'mlp' }),
    evaluation('run_other', 'mmlu', { accuracy: 0.9 }),
  ];

  it('ranks by the latest evaluation, with error bars from samples, from _stderr, or none', async () => {
    const store = await memoryStore(events);
    const board = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy' });
    expect(board.order).toBe('desc');
    expect(board.orderSource).toBe('metric name');
    expect(board.rows.map((r) => r.id)).toEqual(['run_b', 'run_c', 'run_a', 'run_d']);
    expect(board.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(board.total).toBe(4);
    expect(board.excluded).toEqual([{ id: 'run_nan', reason: 'accuracy is NaN' }]);

    const [rb, rc, ra, rd] = board.rows;
    // Per-sample: Miller's CLT SE = sqrt(p (1 - p) / (n - 1)) with the sample variance; Wilson CI.
    expect(rb?.uncertainty).toBe('samples');
    expect(rb?.n).toBe(200);
    expect(rb?.standardError).toBeCloseTo(Math.sqrt((0.8 * 0.2) / 199), 12);
    const wilson = wilsonInterval(160, 200);
    expect(rb?.ci).toEqual([wilson.lower, wilson.upper]);
    expect(ra?.standardError).toBeCloseTo(Math.sqrt((0.7 * 0.3) / 199), 12);
    // From the evaluation's own figures.
    expect(rc).toMatchObject({ uncertainty: 'stderr', standardError: 0.02, ci: [0.71, 0.79] });
    // Nothing to compute them from.
    expect(rd).toMatchObject({ uncertainty: 'none', standardError: null, ci: null, n: null });
  });

  it('lists the config columns that vary among the listed runs, flattened', async () => {
    const store = await memoryStore(events);
    const board = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', top: 2 });
    expect(board.rows.map((r) => r.id)).toEqual(['run_b', 'run_c']);
    expect(board.columns).toEqual(['learning_rate', 'optimizer.beta', 'optimizer.name']);
    expect(board.rows[0]?.config).toEqual({ learning_rate: 3e-4, 'optimizer.beta': 0.99, 'optimizer.name': 'adam' });
    expect(board.rows[1]?.config).toEqual({ learning_rate: 1e-4, 'optimizer.name': 'sgd' });
  });

  it('passes the filter and the metric down to the store, as text or tree', async () => {
    const store = await memoryStore(events);
    const spy = vi.spyOn(store, 'getMetricValues');
    const board = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', filter: 'tags.stage = "sft"', status: 'completed' });
    expect(board.rows.map((r) => r.id)).toEqual(['run_b', 'run_c']);
    // Archived runs (tagged `archived`) are left out unless `archived: true`.
    const notArchived = { kind: 'exists', field: { scope: 'tags', key: 'archived' }, negated: true };
    expect(spy.mock.calls).toEqual([[
      { benchmark: 'gsm8k', metric: 'accuracy' },
      { where: { kind: 'and', left: { kind: 'compare', field: { scope: 'tags', key: 'stage' }, op: '=', value: 'sft' }, right: notArchived }, status: 'completed' },
    ]]);
    const lowLr = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', filter: { kind: 'compare', field: { scope: 'params', path: 'learning_rate' }, op: '<', value: 5e-4 } });
    expect(lowLr.rows.map((r) => r.id)).toEqual(['run_b', 'run_c', 'run_d']);
    const asc = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', order: 'asc' });
    expect(asc.rows.map((r) => r.id)).toEqual(['run_d', 'run_a', 'run_c', 'run_b']);
    expect(asc.orderSource).toBe('option');
  });

  it('orders by a declared goal, refuses a metric declared with goal none, and says when the order is assumed', async () => {
    const store = await memoryStore([
      started('old', {}, { createdAt: 1 }), points('old', 'bpb', [1.5]),
      started('new', {}, { createdAt: 2, summary: { 'goal/bpb': 'minimize', 'goal/lr': 'none' } }), points('new', 'bpb', [1.2]), points('new', 'lr', [0.1]),
    ]);
    const declared = await leaderboard({ store, metric: 'bpb' });
    expect(declared).toMatchObject({ order: 'asc', orderSource: 'declared' });
    expect(declared.rows.map((r) => r.id)).toEqual(['new', 'old']);
    const none = await errorOf(leaderboard({ store, metric: 'lr' }));
    expect(none).toMatchObject({ code: 'invalid_input', field: 'order' });
    expect(none.message).toBe("lr is declared with goal 'none' (tracker.defineMetric): give an order to rank by it");
    expect((await leaderboard({ store, metric: 'lr', order: 'asc' })).rows.map((r) => r.id)).toEqual(['new']);
    const plain = await memoryStore([started('x'), points('x', 'tokens', [5])]);
    expect(await leaderboard({ store: plain, metric: 'tokens' })).toMatchObject({ order: 'desc', orderSource: 'assumed' });
  });

  it('ranks training metrics by last or best value, ascending for a loss', async () => {
    const store = await memoryStore([
      started('r1'), points('r1', 'val_loss', [3, 1, 2]),
      started('r2'), points('r2', 'val_loss', [2, 1.5, 1.5]),
      started('r3'), points('r3', 'val_loss', [2, NaN]),
      started('r4'), points('r4', 'val_loss', [5, -Infinity]),
      started('r5'), points('r5', 'other', [1]),
    ]);
    const last = await leaderboard({ store, metric: 'val_loss' });
    expect(last.order).toBe('asc');
    expect(last.value).toBe('last');
    expect(last.rows.map((r) => [r.id, r.score])).toEqual([['r4', -Infinity], ['r2', 1.5], ['r1', 2]]);
    expect(last.rows.map((r) => r.n)).toEqual([2, 3, 3]);
    expect(last.excluded).toEqual([{ id: 'r3', reason: 'val_loss is NaN' }]);
    const best = await leaderboard({ store, metric: 'val_loss', value: 'best' });
    expect(best.rows.map((r) => [r.id, r.score])).toEqual([['r4', -Infinity], ['r1', 1], ['r2', 1.5], ['r3', 2]]);
    expect((await leaderboard({ store, metric: 'val_loss', order: 'desc', value: 'best' })).rows.map((r) => [r.id, r.score])).toEqual([
      ['r4', 5], ['r1', 3], ['r2', 2], ['r3', 2],
    ]);
  });

  it('gives equal scores the same rank', async () => {
    const store = await memoryStore([
      started('x'), evaluation('x', 'b', { f1: 0.5 }),
      started('y'), evaluation('y', 'b', { f1: 0.5 }),
      started('z'), evaluation('z', 'b', { f1: 0.4 }),
    ]);
    const board = await leaderboard({ store, benchmark: 'b', metric: 'f1' });
    expect(board.rows.map((r) => r.rank)).toEqual([1, 1, 3]);
  });

  it('fails with typed errors', async () => {
    const store = await memoryStore(events);
    expect((await errorOf(leaderboard({ store, benchmark: 'gsm8k', metric: '' }))).code).toBe('invalid_input');
    expect((await errorOf(leaderboard({ store: {} as never, metric: 'x' }))).field).toBe('store');
    expect((await errorOf(leaderboard({ store, metric: 'x', top: 0 }))).field).toBe('top');
    expect((await errorOf(leaderboard({ store, metric: 'x', groupBy: 'seed' as never }))).field).toBe('groupBy');
    const parse = await errorOf(leaderboard({ store, metric: 'x', filter: 'params.lr <' }));
    expect(parse.code).toBe('parse_error');
  });

  it('writes CSV with the config columns', async () => {
    const store = await memoryStore(events);
    const csv = leaderboardToCsv(await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', top: 2 }));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('rank,id,name,group,score,standard_error,ci_lower,ci_upper,n,uncertainty,config.learning_rate,config.optimizer.beta,config.optimizer.name');
    expect(lines[2]).toBe('2,run_c,run_c,,0.75,0.02,0.71,0.79,,stderr,0.0001,,sgd');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
  });
});

describe('leaderboard over groups of seeds', () => {
  // Two configs, three seeds each; config A's seeds share 100 items.
  const events: TrackerEvent[] = [];
  const scoresA: number[] = [];
  for (const seed of [1, 2, 3]) {
    const id = `a${seed}`;
    const samples = binarySamples(100, (i) => (i * 7 + seed * 13) % 100 < 60 + seed);
    scoresA.push(accuracyOf(samples));
    events.push(started(id, { lr: 1e-3, seed }, { group: 'lr-1e-3' }), evaluation(id, 'gsm8k', { accuracy: accuracyOf(samples) }, samples));
  }
  const scoresB = [0.5, 0.55, 0.52];
  scoresB.forEach((score, k) => events.push(started(`b${k}`, { lr: 1e-2, seed: k }, { group: 'lr-1e-2' }), evaluation(`b${k}`, 'gsm8k', { accuracy: score })));
  events.push(started('solo', { lr: 5e-3, seed: 0 }), evaluation('solo', 'gsm8k', { accuracy: 0.4, accuracy_stderr: 0.05 }));

  it('aggregates runs that differ only by seed: mean, SD, CI, ranked', async () => {
    const store = await memoryStore(events);
    for (const groupBy of ['group', 'config'] as const) {
      const board = await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', groupBy });
      expect(board.groupBy).toBe(groupBy);
      expect(board.rows.map((r) => r.runs)).toEqual([3, 3, 1]);
      expect(board.columns).toEqual(['lr']);
      const [ga, gb, solo] = board.rows;
      const meanA = scoresA.reduce((x, y) => x + y) / 3;
      expect(ga?.score).toBeCloseTo(meanA, 15);
      expect(ga?.sd).toBeCloseTo(Math.sqrt(scoresA.reduce((acc, x) => acc + (x - meanA) ** 2, 0) / 2), 12);
      // Shared items: pooled per-item means across seeds.
      expect(ga?.method).toBe('pooled-samples');
      expect(ga?.n).toBe(100);
      expect(ga?.config).toEqual({ lr: 1e-3 });
      // No samples: t-based across runs.
      const meanB = (0.5 + 0.55 + 0.52) / 3;
      const sdB = Math.sqrt(((0.5 - meanB) ** 2 + (0.55 - meanB) ** 2 + (0.52 - meanB) ** 2) / 2);
      const half = studentTQuantile(0.975, 2) * (sdB / Math.sqrt(3));
      expect(gb?.method).toBe('t-across-runs');
      expect(gb?.standardError).toBeCloseTo(sdB / Math.sqrt(3), 12);
      expect(gb?.ci?.[0]).toBeCloseTo(meanB - half, 12);
      expect(gb?.ci?.[1]).toBeCloseTo(meanB + half, 12);
      expect(gb?.runIds).toEqual(['b1', 'b2', 'b0']);
      expect(solo).toMatchObject({ runs: 1, method: 'single-run', sd: null, standardError: 0.05, label: 'solo', group: null });
      expect(board.rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    }
    const csv = leaderboardToCsv(await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', groupBy: 'group', top: 2 }));
    expect(csv.split('\r\n')[0]).toBe('rank,label,group,runs,score,sd,standard_error,ci_lower,ci_upper,method,n,run_ids,config.lr');
  });

  it('ranks the same in the SQLite store as in memory', async () => {
    const sqlite = new SqliteBackend({ path: ':memory:' });
    await sqlite.init();
    await sqlite.write(events);
    const memory = await memoryStore(events);
    for (const groupBy of ['none', 'config'] as const) {
      const fromSqlite = await leaderboard({ store: sqlite, benchmark: 'gsm8k', metric: 'accuracy', groupBy, filter: 'params.lr < 0.009' });
      const fromMemory = await leaderboard({ store: memory, benchmark: 'gsm8k', metric: 'accuracy', groupBy, filter: 'params.lr < 0.009' });
      expect(fromSqlite).toEqual(fromMemory);
      expect(fromSqlite.rows.length).toBeGreaterThan(1);
    }
    await sqlite.close();
  });
});

describe('leaderboard store contract', () => {
  it('reads through any ExperimentReader', async () => {
    const memory = new MemoryBackend();
    await memory.write([started('only'), evaluation('only', 'b', { accuracy: 1 })]);
    const reader = {
      getAllExperiments: memory.getAllExperiments.bind(memory),
      countExperiments: memory.countExperiments.bind(memory),
      getMetricValues: memory.getMetricValues.bind(memory),
      getExperiment: memory.getExperiment.bind(memory),
      findExperimentIds: memory.findExperimentIds.bind(memory),
      getMetrics: memory.getMetrics.bind(memory),
      getMetricOutline: memory.getMetricOutline.bind(memory),
      getMetricSummaries: memory.getMetricSummaries.bind(memory),
      getEvaluationResults: memory.getEvaluationResults.bind(memory),
      getEvaluationSamples: memory.getEvaluationSamples.bind(memory),
      getCheckpoints: memory.getCheckpoints.bind(memory),
      getStats: memory.getStats.bind(memory),
      deleteExperiment: memory.deleteExperiment.bind(memory),
    };
    expect((await leaderboard({ store: reader, benchmark: 'b', metric: 'accuracy' })).rows[0]?.score).toBe(1);
  });
});
