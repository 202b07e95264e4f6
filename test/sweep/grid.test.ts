import { describe, expect, it } from 'vitest';
import { ExptrackError } from 'exptrack';
import { Sweep, choice, intRange, logUniform, uniform } from 'exptrack/sweep';

describe('grid sampler', () => {
  const space = { lr: logUniform(1e-4, 1e-1, { values: [1e-4, 1e-3, 1e-2] }), n: intRange(1, 2), act: choice(['relu', 'tanh']) };

  it('visits every combination exactly once, then stops', () => {
    const sweep = new Sweep({ space, direction: 'minimize', sampler: 'grid', seed: 0 });
    expect(sweep.remaining).toBe(12);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const t = sweep.ask();
      seen.add(JSON.stringify(t.params));
      sweep.tell(t, t.params.lr * t.params.n);
    }
    expect(seen.size).toBe(12);
    expect(sweep.remaining).toBe(0);
    try {
      sweep.ask();
      expect.unreachable();
    } catch (e) {
      expect(ExptrackError.is(e) && e.code).toBe('already_finished');
    }
  });

  it('never hands out a point that a running trial holds', () => {
    const sweep = new Sweep({ space, direction: 'minimize', sampler: 'grid', seed: 1 });
    const running = Array.from({ length: 12 }, () => JSON.stringify(sweep.ask().params));
    expect(new Set(running).size).toBe(12);
    expect(() => sweep.ask()).toThrow(/no point left/);
  });

  it('orders the visit by seed', () => {
    const order = (seed: number) => {
      const sweep = new Sweep({ space, direction: 'minimize', sampler: 'grid', seed });
      return Array.from({ length: 12 }, () => JSON.stringify(sweep.ask().params));
    };
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
  });

  it('needs a values list for a continuous dimension', () => {
    expect(() => new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', sampler: 'grid' })).toThrow(/values/);
  });

  it('optimize runs the whole grid when no trial count is given', async () => {
    const sweep = new Sweep({ space, direction: 'maximize', sampler: 'grid', seed: 0 });
    const result = await sweep.optimize(({ lr, n, act }) => lr * n * (act === 'tanh' ? 2 : 1), { concurrency: 3 });
    expect(result.ran).toBe(12);
    expect(result.best?.params).toEqual({ lr: 1e-2, n: 2, act: 'tanh' });
  });
});
