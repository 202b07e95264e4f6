import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/analysis/stats/index.js';
import { xoshiro128StarStar } from '../../../src/analysis/stats/random.js';
import { expectError } from './reference.js';

describe('createRandom (xoshiro128** seeded by SplitMix32)', () => {
  it('reproduces the reference xoshiro128** output for state {1, 2, 3, 4}', () => {
    // first outputs of the reference C implementation (prng.di.unimi.it/xoshiro128starstar.c)
    const g = xoshiro128StarStar(1, 2, 3, 4);
    expect(Array.from({ length: 6 }, () => g.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(xs);
    expect(createRandom(42).nextUint32()).toBe(2837322924);
  });

  it('produces uniform floats and unbiased bounded integers', () => {
    const r = createRandom(7);
    const counts = new Array<number>(6).fill(0);
    let sum = 0;
    const N = 60000;
    for (let i = 0; i < N; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const k = r.nextInt(6);
      counts[k] = (counts[k] as number) + 1;
    }
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01);
    // chi-square goodness of fit with 5 df: 99.99% quantile is 25.7
    const chi = counts.reduce((s, c) => s + (c - N / 6) ** 2 / (N / 6), 0);
    expect(chi).toBeLessThan(25.7);
    const buf = new Int32Array(30000);
    r.fillInts(buf, 1319);
    let max = 0;
    let total = 0;
    for (const v of buf) {
      max = Math.max(max, v);
      total += v;
    }
    expect(max).toBeLessThan(1319);
    expect(Math.abs(total / buf.length - 659)).toBeLessThan(10);
  });

  it('rejects a non-finite seed', () => {
    expectError(() => createRandom(NaN), 'invalid_input');
    expectError(() => createRandom(Infinity), 'invalid_input');
  });
});
