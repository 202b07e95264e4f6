import { deepStrictEqual as equal, rejects } from 'node:assert/strict';
import { ExptrackError } from '../core/errors.js';
import type { MetricOutline } from '../core/types.js';
import type { ConformanceBackend, ConformanceCase } from './backend-conformance.js';
import { makeExperiment, metricColumns } from './fixtures.js';

/** Makes a case that runs `body` against a fresh, opened backend. */
export type WithBackend = (name: string, body: (b: ConformanceBackend) => Promise<void>) => ConformanceCase;

/**
 * Steps 0..39 of `loss`, value `step % 5`, with a spike (step 13: 50), a dip (step 27: -50) and
 * NaN, +Infinity, -Infinity at steps 15, 22 and 33; and an `acc` metric that must not leak in.
 */
async function fortyPoints(b: ConformanceBackend): Promise<string> {
  const e = makeExperiment();
  const special: Record<number, number> = { 13: 50, 27: -50, 15: NaN, 22: Infinity, 33: -Infinity };
  const points = Array.from({ length: 40 }, (_, step) => ['loss', step, special[step] ?? step % 5] as const);
  await b.write([{ type: 'experiment_started', experiment: e }]);
  await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([...points, ['acc', 5, 1000], ['acc', 6, -1000]]) }]);
  return e.id;
}

const empty = (key: string): MetricOutline => ({ key, count: 0, nonFinite: 0, firstStep: null, lastStep: null, reduced: false, steps: [], values: [] });

/**
 * The conformance cases of `getMetricOutline`: whole small windows, the lowest and highest point of
 * each step range of a long one, windows, non-finite values, several ranks at one step, empty
 * answers and malformed queries. Part of `backendConformanceCases`.
 */
export function metricOutlineCases(withBackend: WithBackend): ConformanceCase[] {
  return [
    withBackend('metric outline: a window of few points comes back whole, NaN and ±Infinity counted but not drawn', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 4, 0.4], ['loss', 0, 1], ['loss', 2, NaN], ['loss', 3, Infinity], ['loss', 1, 0.5], ['loss', 5, -Infinity], ['acc', 1, 9]]) }]);
      equal(await b.getMetricOutline(e.id, 'loss', { buckets: 2 }), { key: 'loss', count: 6, nonFinite: 3, firstStep: 0, lastStep: 5, reduced: false, steps: [0, 1, 4], values: [1, 0.5, 0.4] });
    }),
    withBackend('metric outline: many points become the first lowest and first highest point of each step range, spikes kept', async (b) => {
      const id = await fortyPoints(b);
      // Ranges of 10 steps. Ties go to the earliest step (0 at steps 0 and 5: step 0); the
      // non-finite values are never a range's lowest or highest; the last point (39) ends the curve.
      equal(await b.getMetricOutline(id, 'loss', { buckets: 4 }), {
        key: 'loss', count: 40, nonFinite: 3, firstStep: 0, lastStep: 39, reduced: true,
        steps: [0, 4, 10, 13, 24, 27, 30, 34, 39],
        values: [0, 4, 0, 50, 4, -50, 0, 4, 4],
      });
    }),
    withBackend('metric outline: step ranges holding only NaN or only ±Infinity draw nothing but count', async (b) => {
      const e = makeExperiment();
      const value = (step: number) => (step >= 5 && step < 10 ? NaN : step >= 10 && step < 15 ? (step % 2 ? Infinity : -Infinity) : step % 3);
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns(Array.from({ length: 20 }, (_, step) => ['loss', step, value(step)] as const)) }]);
      // Ranges 0..4, 5..9 (NaN), 10..14 (±Infinity), 15..19.
      equal(await b.getMetricOutline(e.id, 'loss', { buckets: 4 }), {
        key: 'loss', count: 20, nonFinite: 10, firstStep: 0, lastStep: 19, reduced: true, steps: [0, 2, 15, 17, 19], values: [0, 2, 0, 2, 1],
      });
    }),
    withBackend('metric outline: a long metric comes back as the highest and lowest of each range, with a one-step spike', async (b) => {
      const e = makeExperiment();
      const steps = Array.from({ length: 10_000 }, (_, i) => i);
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: { keys: steps.map(() => 'loss'), steps, values: steps.map((s) => (s === 7777 ? 1e6 : 1 / (1 + s))), timestamps: steps.map(() => 0), rank: 0 } }]);
      const outline = await b.getMetricOutline(e.id, 'loss', { buckets: 100 });
      // A falling curve: each range of 100 steps is highest at its first step and lowest at its last.
      const expected = Array.from({ length: 100 }, (_, i) => (i === 77 ? [7777, 7799] : [100 * i, 100 * i + 99])).flat();
      equal(outline.steps, expected);
      equal(outline.values[outline.steps.indexOf(7777)], 1e6);
      equal([outline.count, outline.nonFinite, outline.reduced], [10_000, 0, true]);
    }),
    withBackend('metric outline: a step window, both ends included, fractions rounded inwards', async (b) => {
      const id = await fortyPoints(b);
      // Steps 10..19 hold 9 finite points, more than 2 × 2: ranges 10..14 and 15..19.
      equal(await b.getMetricOutline(id, 'loss', { fromStep: 10, toStep: 19.5, buckets: 2 }), {
        key: 'loss', count: 10, nonFinite: 1, firstStep: 10, lastStep: 19, reduced: true, steps: [10, 13, 16, 19], values: [0, 50, 1, 4],
      });
      equal(await b.getMetricOutline(id, 'loss', { fromStep: 9.2, toStep: 12, buckets: 2 }), {
        key: 'loss', count: 3, nonFinite: 0, firstStep: 10, lastStep: 12, reduced: false, steps: [10, 11, 12], values: [0, 1, 2],
      });
      equal(await b.getMetricOutline(id, 'loss', { fromStep: 35, buckets: 10 }), {
        key: 'loss', count: 5, nonFinite: 0, firstStep: 35, lastStep: 39, reduced: false, steps: [35, 36, 37, 38, 39], values: [0, 1, 2, 3, 4],
      });
      equal(await b.getMetricOutline(id, 'loss', { fromStep: 15, toStep: 15, buckets: 10 }), {
        key: 'loss', count: 1, nonFinite: 1, firstStep: 15, lastStep: 15, reduced: false, steps: [], values: [],
      });
    }),
    withBackend('metric outline: several ranks at one step are separate points', async (b) => {
      const e = makeExperiment();
      await b.write([{ type: 'experiment_started', experiment: e }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 1], ['loss', 1, 2], ['loss', 2, 3]], Date.now(), 0) }]);
      await b.write([{ type: 'metrics', experimentId: e.id, points: metricColumns([['loss', 0, 10], ['loss', 1, 20], ['loss', 2, 30]], Date.now(), 1) }]);
      const outline = (buckets: number) => b.getMetricOutline(e.id, 'loss', { buckets });
      equal(await outline(3), { key: 'loss', count: 6, nonFinite: 0, firstStep: 0, lastStep: 2, reduced: false, steps: [0, 0, 1, 1, 2, 2], values: [1, 10, 2, 20, 3, 30] });
      // Ranges: step 0 (its lowest and highest share the step: the lower first), steps 1..2.
      equal(await outline(2), { key: 'loss', count: 6, nonFinite: 0, firstStep: 0, lastStep: 2, reduced: true, steps: [0, 0, 1, 2], values: [1, 10, 2, 30] });
      equal((await outline(1)).steps, [0, 2]);
    }),
    withBackend('metric outline: an empty window, an unknown key or experiment give an empty outline', async (b) => {
      const id = await fortyPoints(b);
      equal(await b.getMetricOutline(id, 'loss', { fromStep: 40, buckets: 10 }), empty('loss'));
      equal(await b.getMetricOutline(id, 'loss', { fromStep: 20, toStep: 10, buckets: 10 }), empty('loss'));
      equal(await b.getMetricOutline(id, 'missing', { buckets: 10 }), empty('missing'));
      equal(await b.getMetricOutline('exp_missing', 'loss', { buckets: 10 }), empty('loss'));
    }),
    withBackend('metric outline: rejects a malformed query', async (b) => {
      const id = await fortyPoints(b);
      const invalid = (field: string) => (err: unknown) => ExptrackError.is(err) && err.code === 'invalid_input' && err.field === field;
      for (const buckets of [0, 1.5, 100_001, NaN]) await rejects(b.getMetricOutline(id, 'loss', { buckets }), invalid('buckets'));
      await rejects(b.getMetricOutline(id, 'loss', { fromStep: NaN, buckets: 10 }), invalid('fromStep'));
      await rejects(b.getMetricOutline(id, 'loss', { toStep: NaN, buckets: 10 }), invalid('toStep'));
    }),
  ];
}
