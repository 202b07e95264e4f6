import { describe, expect, it } from 'vitest';
import { ema, lttb } from '../../src/ui/downsample.js';

const line = (n: number, f: (i: number) => number) => ({ x: Float64Array.from({ length: n }, (_, i) => i), y: Float64Array.from({ length: n }, (_, i) => f(i)) });

describe('lttb', () => {
  it('keeps the requested number of points, the ends, and x order', () => {
    const s = line(100_000, (i) => Math.sin(i / 500));
    const r = lttb(s, 800);
    expect(r.x.length).toBe(800);
    expect(r.x[0]).toBe(0);
    expect(r.x[799]).toBe(99_999);
    for (let i = 1; i < r.x.length; i++) expect(r.x[i]).toBeGreaterThan(r.x[i - 1] as number);
  });

  it('keeps a single spike that lies between buckets of flat values', () => {
    const s = line(10_000, (i) => (i === 4321 ? 100 : 0));
    const r = lttb(s, 100);
    expect(Math.max(...r.y)).toBe(100);
    expect(r.x[r.y.indexOf(100)]).toBe(4321);
  });

  it('returns a short curve unchanged', () => {
    const s = line(50, (i) => i);
    expect(lttb(s, 100)).toBe(s);
  });
});

describe('ema', () => {
  it('is the debiased exponential moving average', () => {
    const r = ema(Float64Array.of(1, 0, 1, 0), 0.5);
    expect(r[0]).toBeCloseTo(1);
    expect(r[1]).toBeCloseTo(0.25 / 0.75);
    expect(r[2]).toBeCloseTo(0.625 / 0.875);
  });

  it('leaves the curve alone at 0', () => {
    const y = Float64Array.of(3, 4);
    expect(ema(y, 0)).toBe(y);
  });
});
