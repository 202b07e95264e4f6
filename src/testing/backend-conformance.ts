import { deepStrictEqual as equal, ok, rejects } from 'node:assert/strict';
import type { Backend, ExperimentReader, ResponseCacheStore } from '../core/backend.js';
import { ExptrackError } from '../core/errors.js';
import { makeExperiment, metricColumns } from './fixtures.js';
import { metricOutlineCases } from './metric-outline-cases.js';

/** A backend under test: writable, readable, and optionally a response cache. */
export type ConformanceBackend = Backend & ExperimentReader & Partial<ResponseCacheStore>;

/** One case of the conformance suite: a name and a function that throws when the backend is wrong. */
export interface ConformanceCase {
  name: string;
  run: () => Promise<void>;
}

/**
 * Options of {@link backendConformanceCases}.
 *
 * @example
 * ```ts
 * backendConformanceCases({ create: () => new SqliteBackend({ path: tempFile() }) });
 * ```
 */
export interface ConformanceOptions {
  /** Makes a fresh, empty backend for one case. */
  create: () => ConformanceBackend | Promise<ConformanceBackend>;
}

/**
 * The behaviour every backend must share, as framework-free cases: run each with your test
 * runner. Each case creates a fresh backend, inits it, and closes it at the end.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { backendConformanceCases } from 'exptrack/testing';
 * import { MemoryBackend } from 'exptrack/memory';
 *
 * describe('my backend', () => {
 *   for (const c of backendConformanceCases({ create: () => new MemoryBackend() })) it(c.name, c.run);
 * });
 * ```
 */
export function backendConformanceCases(options: ConformanceOptions): ConformanceCase[] {
  const withBackend = (name: string, body: (b: ConformanceBackend) => Promise<void>): ConformanceCase => ({
    name,
    run: async () => {
      const backend = await options.create();
      await backend.init();
      try {
        await body(backend);
      } finally {
        await backend.close();
      }
    },
  });
  return [
    withBackend('stores an experiment and reads it back exactly', async (b) => {
      const experiment = makeExperiment({
        group: 'g1',
        notes: 'first',
        config: { learning_rate: 3e-4, nested: { depth: 2, names: ['a', 'b'] }, flag: true, none: null },
        git: {
          commit: 'a'.repeat(40), branch: 'main', remoteUrl: 'https://example.com/x.git', dirty: true, changedFiles: ['a.ts'],
          untrackedCount: 1, patch: 'diff --git a/a.ts b/a.ts\n', patchTruncated: false, root: '/repo', via: 'git-cli',
        },
      });
      await b.write([{ type: 'experiment_started', experiment }]);
      equal(await b.getExperiment(experiment.id), experiment);
      equal(await b.getExperiment('exp_missing'), undefined);
    }),
    withBackend('round-trips NaN and ±Infinity, keeps repeated (key, step) points, orders by key then step', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 2, 0.5], ['loss', 0, NaN], ['acc', 0, Infinity], ['loss', 1, -Infinity], ['loss', 1, 7]]) }]);
      const loss = await b.getMetrics(e.id, 'loss');
      equal(loss.map((p) => [p.step, p.value]), [[0, NaN], [1, -Infinity], [1, 7], [2, 0.5]]);
      const all = await b.getMetrics(e.id);
      equal(all.map((p) => p.key), ['acc', 'loss', 'loss', 'loss', 'loss']);
      equal(all[0]!.value, Infinity);
      equal(await b.getMetrics(e.id, 'missing'), []);
    }),
    withBackend('keeps timestamps and ranks of points', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 1]], 1_700_000_000_123, 0) }]);
      const [point] = await b.getMetrics(e.id, 'loss');
      equal(point, { key: 'loss', step: 0, value: 1, timestamp: 1_700_000_000_123, rank: 0 });
    }),
    withBackend('keeps the rank of each point when several ranks log through one backend', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 1]], 1_700_000_000_000, 0) }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 2], ['loss', 1, 3]], 1_700_000_000_500, 1) }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 1, 4]], 1_700_000_001_000, 0) }]);
      const points = await b.getMetrics(e.id, 'loss');
      const byValue = points.map((p) => [p.value, p.rank, p.timestamp]).sort((x, y) => x[0]! - y[0]!);
      equal(byValue, [[1, 0, 1_700_000_000_000], [2, 1, 1_700_000_000_500], [3, 1, 1_700_000_000_500], [4, 0, 1_700_000_001_000]]);
    }),
    withBackend('summarises each metric: count, first and last step, last value, min and max without NaN', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 5, 2], ['loss', 3, NaN], ['loss', 9, 1.5]]) }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 4, -1], ['acc', 1, NaN]]) }]);
      const summaries = await b.getMetricSummaries(e.id);
      equal(summaries.map((s) => s.key), ['acc', 'loss']);
      const [acc, loss] = summaries;
      equal({ ...loss!, experimentId: undefined }, { experimentId: undefined, key: 'loss', count: 4, firstStep: 3, lastStep: 9, last: 1.5, min: -1, max: 2 });
      ok(Number.isNaN(acc!.last) && Number.isNaN(acc!.min) && Number.isNaN(acc!.max));
    }),
    withBackend('applies updates: status, tags merged and removed, summary merged, notes, error', async (b) => {
      const e = makeExperiment({ tags: { stage: 'sft', keep: 'yes' } });
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([
        { type: 'experiment_updated', experimentId: e.id, changes: { tags: { stage: null, seed: '1' }, summary: { best: 0.5 } } },
        { type: 'experiment_updated', experimentId: e.id, changes: { summary: { final: 0.4 }, notes: 'changed' } },
        { type: 'experiment_updated', experimentId: e.id, changes: { status: 'failed', endedAt: e.createdAt + 10, error: { message: 'boom', stack: null } } },
      ]);
      const got = await b.getExperiment(e.id);
      equal(got?.tags, { keep: 'yes', seed: '1' });
      equal(got?.summary, { best: 0.5, final: 0.4 });
      equal(got?.notes, 'changed');
      equal(got?.status, 'failed');
      equal(got?.endedAt, e.createdAt + 10);
      equal(got?.error, { message: 'boom', stack: null });
      equal(got?.config, e.config);
    }),
    withBackend('adds config keys logged after the start, never changing a logged one', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      const [first] = Object.keys(e.config);
      await b.write([
        { type: 'experiment_updated', experimentId: e.id, changes: { config: { added: '0.01' } } },
        { type: 'experiment_updated', experimentId: e.id, changes: { config: { added: 'changed', later: 'x', ...(first ? { [first]: 'changed' } : {}) } } },
      ]);
      const got = await b.getExperiment(e.id);
      equal(got?.config, { ...e.config, added: '0.01', later: 'x' });
    }),
    withBackend('revives a run marked crashed when its heartbeat comes back', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'experiment_updated', experimentId: e.id, changes: { status: 'crashed', endedAt: e.createdAt } }]);
      await b.write([{ type: 'experiment_updated', experimentId: e.id, changes: { heartbeatAt: Date.now() } }]);
      const got = await b.getExperiment(e.id);
      equal(got?.status, 'running');
      equal(got?.endedAt, null);
    }),
    ...metricOutlineCases(withBackend),
    withBackend('stores evaluations with per-sample rows, NaN metrics included', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      const samples = [
        { id: 'q1', prompt: 'Q: 1+1?', output: '2', extracted: '2', gold: '2', correct: true, score: 1, latencyMs: 12.5, promptTokens: 5, completionTokens: 1, error: null, attempt: 0, metadata: { subject: 'algebra' } },
        { id: 'q2', correct: false, score: 0 },
        { id: 'q3', error: 'timeout after 30 s', correct: null },
      ];
      await b.write([
        { type: 'evaluation', experimentId: e.id, evaluation: { benchmark: 'gsm8k', metrics: { accuracy: 0.5, weird: NaN, up: Infinity }, metadata: { variant: 'cot' }, step: 100, createdAt: 1000 }, samples },
        { type: 'evaluation', experimentId: e.id, evaluation: { benchmark: 'math', metrics: { accuracy: 0.25 }, metadata: {}, step: null, createdAt: 2000 }, samples: [] },
      ]);
      const evaluations = await b.getEvaluationResults(e.id);
      equal(evaluations.map((x) => x.benchmark), ['gsm8k', 'math']);
      equal(evaluations[0], { experimentId: e.id, benchmark: 'gsm8k', metrics: { accuracy: 0.5, weird: NaN, up: Infinity }, metadata: { variant: 'cot' }, step: 100, sampleCount: 3, createdAt: 1000 });
      equal((await b.getEvaluationResults(e.id, 'math')).length, 1);
      const rows = await b.getEvaluationSamples(e.id, 'gsm8k');
      equal(rows.map((r) => r.id), ['q1', 'q2', 'q3']);
      equal(rows[0]!.metadata, { subject: 'algebra' });
      equal([rows[0]!.correct, rows[1]!.correct, rows[2]!.correct], [true, false, null]);
      equal([rows[0]!.latencyMs, rows[0]!.promptTokens, rows[2]!.error], [12.5, 5, 'timeout after 30 s']);
      equal(rows[1]!.benchmark, 'gsm8k');
      equal(rows[1]!.experimentId, e.id);
    }),
    withBackend('reads evaluations and metric summaries of several runs in one call, in the order of the ids', async (b) => {
      const [one, two] = [makeExperiment(), makeExperiment()];
      const evaluation = (benchmark: string, accuracy: number, createdAt: number) => ({ benchmark, metrics: { accuracy }, metadata: {}, step: null, createdAt });
      await b.write([
        { type: 'experiment_started', experiment: one },
        { type: 'experiment_started', experiment: two },
        { type: 'evaluation', experimentId: one.id, evaluation: evaluation('gsm8k', 0.1, 5), samples: [] },
        { type: 'evaluation', experimentId: two.id, evaluation: evaluation('gsm8k', 0.2, 5), samples: [] },
        // logged later but stamped earlier: logging order decides which evaluation is the latest
        { type: 'evaluation', experimentId: one.id, evaluation: evaluation('gsm8k', 0.3, 1), samples: [] },
        { type: 'evaluation', experimentId: one.id, evaluation: evaluation('math', 0.4, 9), samples: [] },
        { type: 'metrics', experimentId: one.id, points: metricColumns([['loss', 0, 1]]) },
        { type: 'metrics', experimentId: two.id, points: metricColumns([['loss', 0, 2], ['acc', 0, 0.5]]) },
      ]);
      const results = await b.getEvaluationResults([two.id, one.id, 'exp_missing'], 'gsm8k');
      equal(results.map((r) => [r.experimentId === one.id ? 'one' : 'two', r.metrics.accuracy]), [['two', 0.2], ['one', 0.1], ['one', 0.3]]);
      equal((await b.getEvaluationResults(one.id)).map((r) => r.metrics.accuracy), [0.1, 0.3, 0.4]);
      const summaries = await b.getMetricSummaries([two.id, one.id]);
      equal(summaries.map((s) => [s.experimentId === one.id ? 'one' : 'two', s.key]), [['two', 'acc'], ['two', 'loss'], ['one', 'loss']]);
      equal(await b.getMetricSummaries([]), []);
    }),
    withBackend('stores checkpoints', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      const checkpoint = { experimentId: e.id, path: '/ckpt/1', step: 10, metrics: { loss: 0.3 }, sizeBytes: 1234, sha256: 'f'.repeat(64), fileCount: 2, createdAt: 5 };
      await b.write([{ type: 'checkpoint', experimentId: e.id, checkpoint }]);
      equal(await b.getCheckpoints(e.id), [checkpoint]);
    }),
    withBackend('lists experiments newest first, by status, group and ids, with limit and offset', async (b) => {
      const t = Date.now();
      const runs = [
        makeExperiment({ id: 'exp_a', createdAt: t - 3000, group: 'g', status: 'completed' }),
        makeExperiment({ id: 'exp_b', createdAt: t - 2000, group: 'g' }),
        makeExperiment({ id: 'exp_c', createdAt: t - 1000, status: 'failed' }),
      ];
      await b.write(runs.map((experiment) => ({ type: 'experiment_started' as const, experiment })));
      const ids = async (q?: Parameters<ExperimentReader['getAllExperiments']>[0]) => (await b.getAllExperiments(q)).map((e) => e.id);
      equal(await ids(), ['exp_c', 'exp_b', 'exp_a']);
      equal(await ids({ sort: 'created', direction: 'asc' }), ['exp_a', 'exp_b', 'exp_c']);
      equal(await ids({ status: 'completed' }), ['exp_a']);
      equal(await ids({ status: ['completed', 'failed'] }), ['exp_c', 'exp_a']);
      equal(await ids({ group: 'g' }), ['exp_b', 'exp_a']);
      equal(await ids({ ids: ['exp_a', 'exp_c', 'exp_zzz'] }), ['exp_c', 'exp_a']);
      equal(await ids({ ids: [] }), []);
      equal(await ids({ limit: 1, offset: 1 }), ['exp_b']);
      equal(await ids({ offset: 2 }), ['exp_a']);
      equal(await b.findExperimentIds('exp_'), ['exp_a', 'exp_b', 'exp_c']);
      equal(await b.findExperimentIds('exp_b'), ['exp_b']);
      equal(await b.findExperimentIds('exp_', 2), ['exp_a', 'exp_b']);
    }),
    withBackend('filters experiments by params, tags, evaluation and training metrics, and attributes', async (b) => {
      const t = Date.now();
      const a = makeExperiment({ id: 'exp_fa', createdAt: t - 2, config: { learning_rate: 1e-5, opt: { name: 'adam' } }, tags: { stage: 'sft' } });
      const c = makeExperiment({ id: 'exp_fc', createdAt: t - 1, config: { learning_rate: 1e-3 }, tags: {} });
      await b.write([{ type: 'experiment_started', experiment: a }, { type: 'experiment_started', experiment: c }]);
      await b.write([
        { type: 'evaluation', experimentId: a.id, evaluation: { benchmark: 'gsm8k', metrics: { accuracy: 0.7 }, metadata: {}, step: null, createdAt: 1 }, samples: [] },
        { type: 'evaluation', experimentId: c.id, evaluation: { benchmark: 'gsm8k', metrics: { accuracy: 0.4 }, metadata: {}, step: null, createdAt: 1 }, samples: [] },
        { type: 'metrics', experimentId: c.id, points: metricColumns([['loss', 1, 0.9], ['loss', 2, 0.1]]) },
      ]);
      const ids = async (where: NonNullable<Parameters<ExperimentReader['getAllExperiments']>[0]>['where']) => (await b.getAllExperiments({ where })).map((e) => e.id);
      equal(await ids({ kind: 'compare', field: { scope: 'params', path: 'learning_rate' }, op: '<', value: 1e-4 }), ['exp_fa']);
      equal(await ids({ kind: 'compare', field: { scope: 'params', path: 'opt.name' }, op: '=', value: 'adam' }), ['exp_fa']);
      equal(await ids({ kind: 'exists', field: { scope: 'tags', key: 'stage' }, negated: true }), ['exp_fc']);
      equal(await ids({ kind: 'compare', field: { scope: 'metrics', benchmark: 'gsm8k', metric: 'accuracy' }, op: '>=', value: 0.5 }), ['exp_fa']);
      equal(await ids({ kind: 'compare', field: { scope: 'metrics', benchmark: null, metric: 'loss' }, op: '<', value: 0.5 }), ['exp_fc']);
      equal(
        await ids({
          kind: 'or',
          left: { kind: 'compare', field: { scope: 'attribute', name: 'id' }, op: '=', value: 'exp_fc' },
          right: { kind: 'compare', field: { scope: 'attribute', name: 'name' }, op: 'like', value: 'nothing%' },
        }),
        ['exp_fc'],
      );
    }),
    withBackend('sorts experiments by name, status, group, duration and commit; missing values last, ties newest first', async (b) => {
      const t = Date.now();
      const git = (commit: string) => ({ commit, branch: 'main', remoteUrl: null, dirty: false, changedFiles: [], untrackedCount: 0, patch: null, patchTruncated: false, root: '/repo', via: 'git-cli' as const });
      const runs = [
        makeExperiment({ id: 'exp_s1', name: 'beta', createdAt: t - 600_000, endedAt: t - 1000, status: 'completed', group: 'g2', git: git('b'.repeat(40)) }),
        makeExperiment({ id: 'exp_s2', name: 'Alpha', createdAt: t - 4000, endedAt: t - 3900, status: 'failed', group: null, git: null }),
        makeExperiment({ id: 'exp_s3', name: 'alpha', createdAt: t - 3000, endedAt: t - 2000, status: 'completed', group: 'g1', git: git('a'.repeat(40)) }),
        makeExperiment({ id: 'exp_s4', name: 'Gamma', createdAt: t - 2000, status: 'running', heartbeatAt: t, group: 'g1' }),
      ];
      await b.write(runs.map((experiment) => ({ type: 'experiment_started' as const, experiment })));
      const ids = async (q: Parameters<ExperimentReader['getAllExperiments']>[0]) => (await b.getAllExperiments(q)).map((e) => e.id);
      // Ties (alpha and Alpha: case is ignored) go newest first.
      equal(await ids({ sort: 'name' }), ['exp_s3', 'exp_s2', 'exp_s1', 'exp_s4']);
      equal(await ids({ sort: 'name', direction: 'desc' }), ['exp_s4', 'exp_s1', 'exp_s3', 'exp_s2']);
      equal(await ids({ sort: 'status' }), ['exp_s3', 'exp_s1', 'exp_s2', 'exp_s4']);
      equal(await ids({ sort: 'group' }), ['exp_s4', 'exp_s3', 'exp_s1', 'exp_s2']);
      equal(await ids({ sort: 'group', direction: 'desc' }), ['exp_s1', 'exp_s4', 'exp_s3', 'exp_s2']);
      // Durations: s2 100 ms, s3 1 s, s4 still running for 2 s plus however long the test takes, s1 599 s
      // (so a slow machine cannot make the running run the longest).
      equal(await ids({ sort: 'duration' }), ['exp_s2', 'exp_s3', 'exp_s4', 'exp_s1']);
      equal(await ids({ sort: 'duration', direction: 'desc', limit: 2 }), ['exp_s1', 'exp_s4']);
      equal(await ids({ sort: 'commit' }), ['exp_s3', 'exp_s1', 'exp_s4', 'exp_s2']);
      equal(await ids({ sort: 'commit', direction: 'desc', offset: 1 }), ['exp_s3', 'exp_s4', 'exp_s2']);
      equal(await ids({ sort: 'created', direction: 'desc', status: 'completed' }), ['exp_s3', 'exp_s1']);
      await rejects(b.getAllExperiments({ sort: 'size' as never }), (e: unknown) => ExptrackError.is(e) && e.code === 'invalid_input' && e.field === 'sort');
    }),
    withBackend('counts the experiments a selection picks, and selects any number of ids', async (b) => {
      const t = Date.now();
      const runs = [
        makeExperiment({ id: 'exp_c1', createdAt: t - 3, status: 'completed', group: 'g', tags: { stage: 'sft' } }),
        makeExperiment({ id: 'exp_c2', createdAt: t - 2, status: 'completed', tags: { stage: 'rl' } }),
        makeExperiment({ id: 'exp_c3', createdAt: t - 1, group: 'g', tags: { stage: 'sft' } }),
      ];
      await b.write(runs.map((experiment) => ({ type: 'experiment_started' as const, experiment })));
      equal(await b.countExperiments(), 3);
      equal(await b.countExperiments({ status: 'completed' }), 2);
      equal(await b.countExperiments({ group: 'g', status: ['running', 'failed'] }), 1);
      equal(await b.countExperiments({ where: { kind: 'compare', field: { scope: 'tags', key: 'stage' }, op: '=', value: 'sft' } }), 2);
      equal(await b.countExperiments({ ids: ['exp_c1', 'exp_missing'] }), 1);
      equal(await b.countExperiments({ ids: [] }), 0);
      // More ids than SQLite or Postgres accept as parameters of one statement.
      const many = Array.from({ length: 70_000 }, (_, i) => `exp_many_${i}`).concat(['exp_c2', 'exp_c3']);
      equal(await b.countExperiments({ ids: many }), 2);
      equal((await b.getAllExperiments({ ids: many })).map((e) => e.id), ['exp_c3', 'exp_c2']);
    }),
    withBackend('reads one metric of many runs: of the latest evaluation, or a training metric\'s last, min or max', async (b) => {
      const t = Date.now();
      const [r1, r2, r3, r4] = [1, 2, 3, 4].map((i) => makeExperiment({ id: `exp_m${i}`, createdAt: t - 10 + i, group: i % 2 ? 'odd' : null, status: 'completed', tags: { n: String(i) } }));
      const evaluation = (accuracy: number, createdAt = 1) => ({ benchmark: 'gsm8k', metrics: { accuracy, other: 1 }, metadata: {}, step: null, createdAt });
      await b.write([r1!, r2!, r3!, r4!].map((experiment) => ({ type: 'experiment_started' as const, experiment })));
      await b.write([
        { type: 'evaluation', experimentId: r1!.id, evaluation: evaluation(0.9, 9), samples: [] },
        // logged later, stamped earlier: logging order makes it the latest
        { type: 'evaluation', experimentId: r1!.id, evaluation: evaluation(0.5, 1), samples: [] },
        { type: 'evaluation', experimentId: r2!.id, evaluation: evaluation(NaN), samples: [] },
        { type: 'evaluation', experimentId: r3!.id, evaluation: evaluation(-Infinity), samples: [] },
        { type: 'evaluation', experimentId: r4!.id, evaluation: { benchmark: 'math', metrics: { accuracy: 0.1 }, metadata: {}, step: null, createdAt: 1 }, samples: [] },
        { type: 'metrics', experimentId: r1!.id, points: metricColumns([['loss', 0, 3], ['loss', 1, 1], ['loss', 2, 2]]) },
        { type: 'metrics', experimentId: r2!.id, points: metricColumns([['loss', 0, NaN], ['loss', 1, NaN]]) },
        { type: 'metrics', experimentId: r4!.id, points: metricColumns([['loss', 0, Infinity], ['loss', 1, NaN]]) },
      ]);
      // In no particular order: sorted by id here.
      const values = async (...args: Parameters<ExperimentReader['getMetricValues']>) =>
        (await b.getMetricValues(...args)).map((v) => [v.experimentId, v.value]).sort((x, y) => (String(x[0]) < String(y[0]) ? 1 : -1));
      equal(await values({ benchmark: 'gsm8k', metric: 'accuracy' }), [['exp_m3', -Infinity], ['exp_m2', NaN], ['exp_m1', 0.5]]);
      equal(await b.getMetricValues({ benchmark: 'gsm8k', metric: 'accuracy' }, { ids: ['exp_m1'] }), [{ experimentId: 'exp_m1', createdAt: r1!.createdAt, group: 'odd', value: 0.5 }]);
      equal(await values({ benchmark: 'gsm8k', metric: 'missing' }), []);
      equal(await values({ benchmark: 'math', metric: 'accuracy' }), [['exp_m4', 0.1]]);
      equal(await values({ metric: 'loss' }), [['exp_m4', NaN], ['exp_m2', NaN], ['exp_m1', 2]]);
      equal(await values({ metric: 'loss', value: 'min' }), [['exp_m4', Infinity], ['exp_m2', NaN], ['exp_m1', 1]]);
      equal(await values({ metric: 'loss', value: 'max' }), [['exp_m4', Infinity], ['exp_m2', NaN], ['exp_m1', 3]]);
      equal(await values({ metric: 'accuracy' }), []);
      const sft = { kind: 'in' as const, field: { scope: 'tags' as const, key: 'n' }, values: ['1', '3'], negated: false };
      equal(await values({ benchmark: 'gsm8k', metric: 'accuracy' }, { where: sft }), [['exp_m3', -Infinity], ['exp_m1', 0.5]]);
      equal(await values({ metric: 'loss' }, { status: 'running' }), []);
      await rejects(b.getMetricValues({ metric: 'loss', value: 'mean' as never }), (e: unknown) => ExptrackError.is(e) && e.code === 'invalid_input' && e.field === 'value');
    }),
    withBackend('counts what it holds', async (b) => {
      const e = makeExperiment({ status: 'completed' });
      await b.write([
        { type: 'experiment_started', experiment: e },
        { type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 1], ['loss', 1, 2]]) },
        { type: 'evaluation', experimentId: e.id, evaluation: { benchmark: 'b', metrics: { a: 1 }, metadata: {}, step: null, createdAt: 1 }, samples: [{ id: '1' }] },
      ]);
      const stats = await b.getStats();
      equal([stats.experiments, stats.byStatus.completed, stats.byStatus.running, stats.metricPoints, stats.evaluations, stats.samples, stats.checkpoints], [1, 1, 0, 2, 1, 1, 0]);
      equal([stats.oldest, stats.newest], [e.createdAt, e.createdAt]);
    }),
    withBackend('deletes an experiment with everything logged to it', async (b) => {
      const keep = makeExperiment();
      const drop = makeExperiment();
      for (const e of [keep, drop]) {
        await b.write([
          { type: 'experiment_started', experiment: e },
          { type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 1]]) },
          { type: 'evaluation', experimentId: e.id, evaluation: { benchmark: 'b', metrics: { a: 1 }, metadata: {}, step: null, createdAt: 1 }, samples: [{ id: '1' }] },
        ]);
      }
      equal(await b.deleteExperiment(drop.id), true);
      equal(await b.deleteExperiment(drop.id), false);
      equal(await b.getExperiment(drop.id), undefined);
      equal(await b.getMetrics(drop.id), []);
      equal(await b.getEvaluationSamples(drop.id), []);
      equal((await b.getMetrics(keep.id)).length, 1);
      equal((await b.getStats()).metricPoints, 1);
    }),
    withBackend('rejects writes to an unknown experiment and a second start of the same id', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await rejects(b.write([{ type: 'metrics', experimentId: 'exp_nope', points: metricColumns([['loss', 0, 1]]) }]), (err) => ExptrackError.is(err) && err.code === 'not_found');
      await rejects(b.write([{ type: 'experiment_updated', experimentId: 'exp_nope', changes: { notes: 'x' } }]), (err) => ExptrackError.is(err) && err.code === 'not_found');
      await rejects(b.write([{ type: 'experiment_started', experiment: e }]), (err) => ExptrackError.is(err) && err.code === 'already_exists');
    }),
    withBackend('caches responses when it says it can', async (b) => {
      if (!b.capabilities.responseCache) return;
      ok(b.getCachedResponse && b.putCachedResponse, 'responseCache capability without the methods');
      equal(await b.getCachedResponse('k'), undefined);
      await b.putCachedResponse('k', 'v1');
      await b.putCachedResponse('k', 'v2');
      equal(await b.getCachedResponse('k'), 'v2');
    }),
  ];
}
