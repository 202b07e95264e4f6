import { describe, expect, it } from 'vitest';
import { AshaPruner, MedianPruner, Sweep, uniform, type Pruner } from 'exptrack/sweep';

/** Runs a trial that reports `curve` (one value per step) and stops when the sweep says so. */
function runCurve(sweep: Sweep<{ x: ReturnType<typeof uniform> }>, curve: number[]) {
  const trial = sweep.ask();
  for (const [step, v] of curve.entries()) {
    trial.report(v, step);
    if (trial.shouldPrune()) {
      sweep.tell(trial, { state: 'pruned' });
      return { trial, stoppedAt: step };
    }
  }
  sweep.tell(trial, curve[curve.length - 1] as number);
  return { trial, stoppedAt: undefined };
}

describe('MedianPruner', () => {
  it('stops a trial worse than the median of completed trials at the same step, only after start-up', () => {
    const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', seed: 0, pruner: new MedianPruner({ startupTrials: 3 }) });
    const good = [5, 4, 3, 2, 1];
    // Fewer than 3 completed: a bad trial runs to the end.
    for (let i = 0; i < 2; i++) expect(runCurve(sweep, good).stoppedAt).toBeUndefined();
    expect(runCurve(sweep, [9, 9, 9, 9, 9]).stoppedAt).toBeUndefined();
    // Now 3 completed: a bad trial is stopped at its first report.
    const bad = runCurve(sweep, [9, 9, 9, 9, 9]);
    expect(bad.stoppedAt).toBe(0);
    expect(bad.trial.state).toBe('pruned');
    expect(bad.trial.value).toBe(9);
    // A trial at or better than the median keeps going.
    expect(runCurve(sweep, [5, 3, 2, 1, 0.5]).stoppedAt).toBeUndefined();
  });

  it('respects warm-up steps, and stops a trial whose every report is NaN', () => {
    const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'maximize', seed: 0, pruner: new MedianPruner({ startupTrials: 1, warmupSteps: 2 }) });
    runCurve(sweep, [1, 2, 3, 4]);
    expect(runCurve(sweep, [0, 0, 0, 0]).stoppedAt).toBe(2);
    expect(runCurve(sweep, [NaN, NaN, NaN]).stoppedAt).toBe(2);
  });

  it('a pruned trial keeps its last reported value but is never the best', () => {
    const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', seed: 0, pruner: 'median' });
    for (let i = 0; i < 5; i++) runCurve(sweep, [10, 8, 6]);
    const t = sweep.ask();
    t.report(11, 0);
    t.report(0.001, 1); // better than any, but then stopped by hand
    sweep.tell(t, { state: 'pruned' });
    expect(t.state).toBe('pruned');
    expect(t.value).toBe(0.001);
    expect(sweep.best?.value).toBe(6);
  });
});

describe('AshaPruner', () => {
  it('promotes the top 1/eta at each rung and stops the rest, decisions final', () => {
    const pruner = new AshaPruner({ minResource: 1, reductionFactor: 2 });
    expect([0, 1, 2].map((k) => pruner.rungStep(k))).toEqual([1, 2, 4]);
    const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', seed: 0, pruner });
    // The first trial to reach a rung is always promoted.
    expect(runCurve(sweep, [5, 4, 3, 2, 1]).stoppedAt).toBeUndefined();
    // Second trial: worse at rung 0 (step 1) than the first -> with 2 values, top 1/2 = the best only.
    expect(runCurve(sweep, [5, 6, 6, 6, 6]).stoppedAt).toBe(1);
    // Third trial: better at step 1, worse at rung 1 (step 2) than the first.
    expect(runCurve(sweep, [5, 3.5, 3.2, 3, 3]).stoppedAt).toBe(2);
    // Fourth trial: best everywhere.
    expect(runCurve(sweep, [1, 1, 1, 1, 0.5]).stoppedAt).toBeUndefined();
  });

  it('works for maximisation and rejects a reduction factor below 2', () => {
    expect(() => new AshaPruner({ reductionFactor: 1 })).toThrow(/reductionFactor/);
    const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'maximize', seed: 0, pruner: new AshaPruner({ reductionFactor: 2 }) });
    runCurve(sweep, [0, 0.5, 0.6, 0.7, 0.8]);
    expect(runCurve(sweep, [0, 0.2, 0.2, 0.2, 0.2]).stoppedAt).toBe(1);
    expect(runCurve(sweep, [0, 0.9, 0.9, 0.9, 0.9]).stoppedAt).toBeUndefined();
  });
});

describe('custom pruner and no pruner', () => {
  it('calls a custom pruner with the trial and the sweep, and never prunes without one', () => {
    const seen: number[] = [];
    const pruner: Pruner = { name: 'limit', shouldPrune: ({ trial, trials }) => (seen.push(trials.length), [...trial.reports.values()].some((v) => v > 10)) };
    const sweep = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', seed: 0, pruner });
    expect(runCurve(sweep, [1, 20, 1]).stoppedAt).toBe(1);
    expect(seen).toEqual([1, 1]);
    const plain = new Sweep({ space: { x: uniform(0, 1) }, direction: 'minimize', seed: 0 });
    expect(runCurve(plain, [1, 1e9, 1]).stoppedAt).toBeUndefined();
  });
});
