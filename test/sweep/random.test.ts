import { describe, expect, it } from 'vitest';
import { Sweep, choice, intRange, logUniform, uniform } from 'exptrack/sweep';
import { Prng } from '../../src/sweep/random.js';

describe('Prng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Prng(7);
    const b = new Prng(7);
    const c = new Prng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('draws uniforms in [0, 1) with the right mean and spread, and standard normals', () => {
    const rng = new Prng(123);
    const n = 20_000;
    const us = Array.from({ length: n }, () => rng.next());
    expect(Math.min(...us)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...us)).toBeLessThan(1);
    const mean = us.reduce((s, v) => s + v, 0) / n;
    const variance = us.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
    const zs = Array.from({ length: n }, () => rng.normal());
    const zm = zs.reduce((s, v) => s + v, 0) / n;
    const zv = zs.reduce((s, v) => s + (v - zm) ** 2, 0) / n;
    expect(Math.abs(zm)).toBeLessThan(0.03);
    expect(Math.abs(zv - 1)).toBeLessThan(0.04);
  });

  it('picks indices in proportion to weights', () => {
    const rng = new Prng(5);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.pick([1, 2, 7])]! += 1;
    expect(counts[0]! / 30_000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 30_000).toBeCloseTo(0.7, 1);
  });
});

describe('random sampler', () => {
  it('keeps every value inside its dimension, on its step, log-uniform on a log scale', () => {
    const sweep = new Sweep({
      space: {
        x: uniform(-2, 3),
        s: uniform(0, 1, { step: 0.25 }),
        lr: logUniform(1e-6, 1),
        n: intRange(3, 15, { step: 4 }),
        h: intRange(1, 1000, { log: true }),
        c: choice(['a', 'b', 'c']),
      },
      direction: 'minimize',
      sampler: 'random',
      seed: 3,
    });
    const lrExponents: number[] = [];
    const cs = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { params } = sweep.ask();
      expect(params.x).toBeGreaterThanOrEqual(-2);
      expect(params.x).toBeLessThanOrEqual(3);
      expect([0, 0.25, 0.5, 0.75, 1]).toContain(params.s);
      expect(params.lr).toBeGreaterThanOrEqual(1e-6);
      expect(params.lr).toBeLessThanOrEqual(1);
      expect([3, 7, 11, 15]).toContain(params.n);
      expect(Number.isInteger(params.h) && params.h >= 1 && params.h <= 1000).toBe(true);
      lrExponents.push(Math.log10(params.lr));
      cs.add(params.c);
    }
    // Log-uniform: the exponent is uniform on [-6, 0], so about half lie below -3.
    const below = lrExponents.filter((e) => e < -3).length / lrExponents.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
    expect(cs.size).toBe(3);
  });

  it('gives the same params for the same seed', () => {
    const make = () => new Sweep({ space: { x: uniform(0, 1), c: choice([1, 2, 3]) }, direction: 'minimize', sampler: 'random', seed: 11 });
    const a = make();
    const b = make();
    for (let i = 0; i < 20; i++) expect(a.ask().params).toEqual(b.ask().params);
  });
});
