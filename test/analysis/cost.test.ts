import { describe, expect, it } from 'vitest';
import { costOf, paretoFront, sumCosts } from 'exptrack/analysis';

describe('paretoFront', () => {
  it('keeps the points nothing cheaper matches, cheapest first, for either direction', () => {
    const points = [{ score: 0.7, cost: 10 }, { score: 0.6, cost: 2 }, { score: 0.5, cost: 5 }, { score: 0.9, cost: 20 }, { score: 0.9, cost: 25 }];
    expect(paretoFront(points, 'desc')).toEqual([1, 0, 3]);
    // Lower is better (a loss): the cheapest is on the front, then each cheaper-than-next lower loss.
    expect(paretoFront([{ score: 0.3, cost: 1 }, { score: 0.2, cost: 3 }, { score: 0.25, cost: 4 }], 'asc')).toEqual([0, 1]);
  });

  it('at one cost keeps only the best score, and never a point without a finite cost or with a NaN score', () => {
    expect(paretoFront([{ score: 0.5, cost: 1 }, { score: 0.8, cost: 1 }, { score: 0.9, cost: null }, { score: 1, cost: Number.POSITIVE_INFINITY }, { score: Number.NaN, cost: 0 }], 'desc')).toEqual([1]);
    expect(paretoFront([], 'desc')).toEqual([]);
  });
});

describe('costOf and sumCosts', () => {
  it('reads only finite numbers >= 0 and a bounded GPU name from a summary someone else wrote', () => {
    expect(costOf({ 'cost/usd': 5, 'compute/gpu_hours': -1, 'tokens/prompt': Number.NaN, 'compute/gpu_name': 'A100', 'cost/eval_usd': '3', loss: 0.1 })).toEqual({ 'cost/usd': 5, 'compute/gpu_name': 'A100' });
    expect(costOf({ 'compute/gpu_name': 'x'.repeat(201) })).toEqual({});
  });

  it('adds each key over the runs that have it, and counts them', () => {
    expect(sumCosts([{ 'cost/usd': 2, 'compute/gpu_count': 2 }, { 'cost/usd': 3, 'compute/gpu_hours': 1 }])).toEqual({ total: { 'cost/usd': 5, 'compute/gpu_hours': 1 }, runs: { 'cost/usd': 2, 'compute/gpu_hours': 1 } });
  });
});
