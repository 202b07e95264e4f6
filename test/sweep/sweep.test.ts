import { describe, expect, it } from 'vitest';
import { ExptrackError } from 'exptrack';
import { Sweep, Trial, choice, intRange, uniform } from 'exptrack/sweep';

const space = { x: uniform(-1, 1), k: intRange(0, 4) };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return ExptrackError.is(e) ? e.code : 'not-exptrack';
  }
  return undefined;
}

describe('ask and tell', () => {
  it('numbers trials, records values and states, and finds the best for each direction', () => {
    const min = new Sweep({ space, direction: 'minimize', seed: 1 });
    const max = new Sweep({ space, direction: 'maximize', seed: 1 });
    for (const [i, v] of [3, 1, 2].entries()) {
      const a = min.ask();
      const b = max.ask();
      expect(a.number).toBe(i);
      expect(a.state).toBe('running');
      min.tell(a, v);
      max.tell(b, v);
      expect(a.state).toBe('completed');
      expect(a.value).toBe(v);
    }
    expect(min.best?.value).toBe(1);
    expect(max.best?.value).toBe(3);
    expect(min.best?.number).toBe(1);
  });

  it('fails a NaN result and never makes it best', () => {
    const sweep = new Sweep({ space, direction: 'minimize', seed: 1 });
    const a = sweep.ask();
    sweep.tell(a, NaN);
    expect(a.state).toBe('failed');
    expect(a.error).toMatch(/NaN/);
    expect(sweep.best).toBeUndefined();
    const b = sweep.ask();
    sweep.tell(b, 7);
    expect(sweep.best).toBe(b);
  });

  it('records failed and pruned trials told by state', () => {
    const sweep = new Sweep({ space, direction: 'minimize', seed: 1 });
    const f = sweep.ask();
    sweep.tell(f, { state: 'failed', error: new Error('out of memory') });
    expect(f.state).toBe('failed');
    expect(f.error).toBe('out of memory');
    const p = sweep.ask();
    p.report(0.4, 0);
    p.report(0.3, 3);
    p.report(0.35, 2);
    sweep.tell(p, { state: 'pruned' });
    expect(p.value).toBe(0.3);
    const c = sweep.ask();
    sweep.tell(c, { state: 'completed', value: 2 });
    expect(sweep.best).toBe(c);
  });

  it('rejects telling twice, reporting after the end, bad steps, foreign trials and bad results', () => {
    const sweep = new Sweep({ space, direction: 'minimize', seed: 1 });
    const other = new Sweep({ space, direction: 'minimize', seed: 1 });
    const t = sweep.ask();
    expect(codeOf(() => t.report(1, -1))).toBe('invalid_input');
    expect(codeOf(() => t.report(1, 1.5))).toBe('invalid_input');
    expect(codeOf(() => t.report('1' as never, 1))).toBe('invalid_input');
    expect(codeOf(() => other.tell(t, 1))).toBe('invalid_input');
    expect(codeOf(() => sweep.tell(t, 'good' as never))).toBe('invalid_input');
    expect(t.state).toBe('running');
    sweep.tell(t, 1);
    expect(codeOf(() => sweep.tell(t, 2))).toBe('already_finished');
    expect(codeOf(() => t.report(1, 0))).toBe('already_finished');
    expect(t.shouldPrune()).toBe(false);
  });

  it('validates options', () => {
    expect(codeOf(() => new Sweep({ space, direction: 'down' as never }))).toBe('invalid_input');
    expect(codeOf(() => new Sweep({ space, direction: 'minimize', sampler: 'cmaes' as never }))).toBe('invalid_input');
    expect(codeOf(() => new Sweep({ space, direction: 'minimize', seed: 1.5 }))).toBe('invalid_input');
    expect(codeOf(() => new Sweep({ space, direction: 'minimize', id: 'has space' }))).toBe('invalid_input');
    expect(codeOf(() => new Sweep({ space, direction: 'minimize', resume: 'abc' }))).toBe('invalid_input');
    expect(codeOf(() => new Sweep({ space, direction: 'minimize', tpe: { eiCandidates: 0 } }))).toBe('invalid_input');
    expect(codeOf(() => new Sweep({ space, direction: 'minimize', metric: 'sweep' }))).toBe('invalid_input');
    expect(codeOf(() => new Trial(0, { x: 0, k: 0 }, Symbol('fake')))).toBe('unsupported');
  });

  it('draws a seed when none is given and reports it', () => {
    const sweep = new Sweep({ space, direction: 'minimize' });
    expect(Number.isSafeInteger(sweep.seed)).toBe(true);
    const again = new Sweep({ space, direction: 'minimize', seed: sweep.seed, sampler: 'tpe' });
    const first = new Sweep({ space, direction: 'minimize', seed: sweep.seed });
    expect(again.ask().params).toEqual(first.ask().params);
  });
});

describe('optimize', () => {
  it('runs the requested number of trials and finds a good point', async () => {
    const sweep = new Sweep({ space: { x: uniform(-5, 5), y: uniform(-5, 5) }, direction: 'minimize', seed: 3 });
    const result = await sweep.optimize(({ x, y }) => (x - 1) ** 2 + (y + 2) ** 2, { trials: 60 });
    expect(result).toMatchObject({ ran: 60, completed: 60, failed: 0, pruned: 0, aborted: false });
    expect(sweep.trials).toHaveLength(60);
    expect(result.best!.value!).toBeLessThan(0.5);
  });

  it('records a throwing objective as failed and goes on; NaN and non-numbers fail too', async () => {
    const sweep = new Sweep({ space, direction: 'minimize', seed: 3 });
    let calls = 0;
    const result = await sweep.optimize(
      () => {
        calls++;
        if (calls % 4 === 1) throw new Error(`boom ${calls}`);
        if (calls % 4 === 2) return NaN;
        if (calls % 4 === 3) return 'x' as never;
        return calls;
      },
      { trials: 8 },
    );
    expect(result).toMatchObject({ ran: 8, completed: 2, failed: 6 });
    expect(sweep.trials[0]?.error).toBe('boom 1');
    expect(sweep.trials[2]?.error).toMatch(/not a number/);
    expect(sweep.best?.value).toBe(4);
  });

  it('runs at most `concurrency` objectives at once, and uses them all', async () => {
    const sweep = new Sweep({ space, direction: 'minimize', seed: 3 });
    let running = 0;
    let peak = 0;
    await sweep.optimize(
      async ({ x }) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        return x;
      },
      { trials: 24, concurrency: 4 },
    );
    expect(peak).toBe(4);
    expect(sweep.trials.filter((t) => t.state === 'completed')).toHaveLength(24);
  });

  it('does not suggest the same params to concurrent trials of a small space', async () => {
    const sweep = new Sweep({ space: { c: choice(['a', 'b', 'c', 'd', 'e', 'f']), n: intRange(0, 3) }, direction: 'minimize', seed: 5 });
    for (let i = 0; i < 12; i++) {
      const t = sweep.ask();
      sweep.tell(t, t.params.n + (t.params.c === 'c' ? 0 : 1));
    }
    const batch = Array.from({ length: 5 }, () => sweep.ask());
    expect(new Set(batch.map((t) => JSON.stringify(t.params))).size).toBe(5);
  });

  it('redraws a suggestion that equals a running trial (random sampler on a tiny space)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const sweep = new Sweep({ space: { c: choice(['a', 'b', 'c']) }, direction: 'minimize', sampler: 'random', seed });
      const running = Array.from({ length: 3 }, () => sweep.ask().params.c);
      expect(new Set(running).size).toBe(3);
    }
  });

  it('stops asking when the signal aborts; running trials finish', async () => {
    const controller = new AbortController();
    const sweep = new Sweep({ space, direction: 'minimize', seed: 3 });
    const result = await sweep.optimize(
      async (_params, trial) => {
        if (trial.number === 4) controller.abort();
        await new Promise((r) => setTimeout(r, 1));
        return trial.number;
      },
      { trials: 100, concurrency: 2, signal: controller.signal },
    );
    expect(result.aborted).toBe(true);
    expect(result.ran).toBeLessThanOrEqual(6);
    expect(sweep.trials.every((t) => t.state === 'completed')).toBe(true);
  });

  it('lets an objective prune itself with { state: "pruned" }', async () => {
    const sweep = new Sweep({ space, direction: 'minimize', seed: 3, pruner: 'median' });
    const result = await sweep.optimize(
      (params, trial) => {
        let loss = 10;
        for (let step = 0; step < 10; step++) {
          loss -= 1 - Math.abs(params.x);
          trial.report(loss, step);
          if (trial.shouldPrune()) return { state: 'pruned' };
        }
        return loss;
      },
      { trials: 30 },
    );
    expect(result.pruned).toBeGreaterThan(0);
    expect(result.completed + result.pruned).toBe(30);
    for (const t of sweep.trials.filter((x) => x.state === 'pruned')) expect(t.value).toBe(t.lastReported());
  });

  it('counts finished trials toward `trials` and needs it unless grid', async () => {
    const sweep = new Sweep({ space, direction: 'minimize', seed: 3 });
    await sweep.optimize(() => 1, { trials: 5 });
    const again = await sweep.optimize(() => 1, { trials: 8 });
    expect(again.ran).toBe(3);
    await expect(sweep.optimize(() => 1)).rejects.toThrow(/trials/);
  });
});
