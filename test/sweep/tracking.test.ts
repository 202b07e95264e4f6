import { afterEach, describe, expect, it } from 'vitest';
import { ExperimentTracker, ExptrackError, type Experiment, type JsonValue } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { Sweep, choice, intRange, logUniform, type SweepTracker } from 'exptrack/sweep';

const space = { lr: logUniform(1e-4, 1e-1), hidden: intRange(8, 64), act: choice(['relu', 'tanh']) };
const trackers: ExperimentTracker[] = [];

/** A real tracker over `backend`, quiet and without process hooks; closed after each test. */
function trackerOn(backend: MemoryBackend): ExperimentTracker {
  const tracker = new ExperimentTracker({
    backends: [backend],
    captureGit: false,
    captureEnvironment: false,
    handleProcessEvents: false,
    onError: (error) => {
      throw error;
    },
  });
  trackers.push(tracker);
  return tracker;
}

afterEach(async () => {
  for (const t of trackers.splice(0)) await t.close().catch(() => undefined);
});

const loss = (p: { lr: number; hidden: number; act: string }) => (Math.log10(p.lr) + 2.5) ** 2 + Math.abs(p.hidden - 32) / 32 + (p.act === 'tanh' ? 0 : 0.5);

function byTrial(experiments: Experiment[]): Map<number, Experiment> {
  return new Map(experiments.map((e) => [Number(e.tags['sweep_trial']), e]));
}

describe('a tracked sweep', () => {
  it('records every trial as an experiment of group sweep_<id>: params as config, reports as metrics, value, state and definition', async () => {
    const backend = new MemoryBackend();
    const sweep = new Sweep({ space, direction: 'minimize', seed: 4, tracker: trackerOn(backend), pruner: 'median', id: 'tracked1' });
    await sweep.optimize(
      (params, trial) => {
        for (let step = 0; step < 3; step++) {
          trial.report(loss(params) + (3 - step), step);
          if (trial.shouldPrune()) return { state: 'pruned' };
        }
        if (trial.number === 2) throw new Error('diverged');
        return loss(params);
      },
      { trials: 12 },
    );
    expect(sweep.group).toBe('sweep_tracked1');
    const experiments = await backend.getAllExperiments({ group: 'sweep_tracked1' });
    expect(experiments).toHaveLength(12);
    const rows = byTrial(experiments);
    for (const trial of sweep.trials) {
      const e = rows.get(trial.number)!;
      expect(e.id).toBe(trial.experimentId);
      expect(e.config).toEqual(trial.params);
      expect(e.tags['sweep_id']).toBe('tracked1');
      expect(e.tags['sweep_state']).toBe(trial.state);
      expect(e.summary['objective']).toBe(trial.value ?? null);
      expect(e.status).toBe(trial.state === 'failed' ? 'failed' : 'completed');
      const definition = e.summary['sweep'] as Record<string, JsonValue>;
      expect(definition).toMatchObject({ id: 'tracked1', direction: 'minimize', sampler: 'tpe', seed: 4, metric: 'objective' });
      expect(Object.keys(definition['space'] as object).sort()).toEqual(['act', 'hidden', 'lr']);
      const points = await backend.getMetrics(e.id, 'objective');
      expect(points.map((p) => p.step)).toEqual([...trial.reports.keys()].sort((a, b) => a - b));
    }
    const failed = rows.get(2)!;
    expect(failed.tags['sweep_error']).toBe('diverged');
    expect(failed.error?.message).toBe('diverged');
  });

  it('with one tracker and concurrency, writes trials one after the other, all complete', async () => {
    const backend = new MemoryBackend();
    const sweep = new Sweep({ space, direction: 'minimize', seed: 1, tracker: trackerOn(backend) });
    await sweep.optimize(
      async (params, trial) => {
        await new Promise((r) => setTimeout(r, 1 + (trial.number % 3)));
        trial.report(loss(params), 0);
        return loss(params);
      },
      { trials: 9, concurrency: 3 },
    );
    const experiments = await backend.getAllExperiments({ group: sweep.group });
    expect(experiments).toHaveLength(9);
    expect(experiments.every((e) => e.status === 'completed' && e.tags['sweep_state'] === 'completed')).toBe(true);
    for (const e of experiments) expect(await backend.getMetrics(e.id, 'objective')).toHaveLength(1);
  });

  it('with one tracker, flush does not wait for trials queued behind one still running', async () => {
    const backend = new MemoryBackend();
    const sweep = new Sweep({ space, direction: 'minimize', seed: 1, tracker: trackerOn(backend) });
    const a = sweep.ask();
    const b = sweep.ask();
    sweep.tell(b, 2);
    await sweep.flush(); // resolves although b waits behind a
    let stored = await backend.getAllExperiments({ group: sweep.group });
    expect(stored.some((e) => e.tags['sweep_trial'] === '1')).toBe(false);
    sweep.tell(a, 1);
    await sweep.flush();
    stored = await backend.getAllExperiments({ group: sweep.group });
    expect(stored.map((e) => [e.tags['sweep_trial'], e.status]).sort()).toEqual([
      ['0', 'completed'],
      ['1', 'completed'],
    ]);
  });

  it('with a tracker factory, writes concurrent trials live', async () => {
    const backend = new MemoryBackend();
    const sweep = new Sweep({ space, direction: 'maximize', seed: 1, tracker: () => trackerOn(backend) });
    const sleep = () => new Promise((r) => setTimeout(r, 1));
    let started = 0;
    let asked = 0;
    let runningSeen = 0;
    await sweep.optimize(
      async (params, trial) => {
        while (trial.experimentId === undefined) await sleep();
        started++;
        // The first three run together: once all have started, all three are live in the store.
        while (trial.number < 3 && started < 3) await sleep();
        // Asked by the first three while all three run: none returns before all three asked (a
        // trial's record is finished in the background, so a later one may still look running).
        if (trial.number < 3) {
          const now = await backend.getAllExperiments({ group: sweep.group, status: 'running' });
          runningSeen = Math.max(runningSeen, now.length);
          asked++;
          while (asked < 3) await sleep();
        }
        return -loss(params);
      },
      { trials: 6, concurrency: 3 },
    );
    expect(runningSeen).toBe(3);
    expect(await backend.getAllExperiments({ group: sweep.group, status: 'completed' })).toHaveLength(6);
  });

  it('resumes after a crash: finished trials stay, running ones become failed and are asked again', async () => {
    const backend = new MemoryBackend();
    const first = new Sweep({ space, direction: 'minimize', seed: 8, tracker: () => trackerOn(backend), id: 'crashy' });
    await first.optimize((p) => loss(p), { trials: 6 });
    const orphan = first.ask(); // the process "dies" while this trial runs
    await new Promise((r) => setTimeout(r, 20));
    expect((await backend.getAllExperiments({ group: 'sweep_crashy', status: 'running' })).length).toBe(1);

    const resumed = new Sweep({ space, direction: 'minimize', tracker: () => trackerOn(backend), store: backend, resume: 'crashy' });
    expect(() => resumed.ask()).toThrow(/ready/);
    await resumed.ready();
    expect(resumed.seed).toBe(8);
    expect(resumed.trials).toHaveLength(7);
    expect(resumed.trials.filter((t) => t.state === 'completed')).toHaveLength(6);
    const crashed = resumed.trials.find((t) => t.number === orphan.number)!;
    expect(crashed.state).toBe('failed');
    expect(crashed.error).toMatch(/crashed/);
    expect(resumed.best?.value).toBe(first.best?.value);

    const seen: number[] = [];
    const result = await resumed.optimize(
      (p, trial) => {
        seen.push(trial.number);
        return loss(p);
      },
      { trials: 10 },
    );
    expect(result.ran).toBe(4); // 6 finished before + 4 = 10; the crashed one does not count
    expect(seen[0]).toBe(7);
    expect(resumed.trials.find((t) => t.number === 7)?.params).toEqual(orphan.params);
    expect(await backend.getAllExperiments({ group: 'sweep_crashy', status: 'completed' })).toHaveLength(10);
  });

  it('continues the same suggestions as an uninterrupted sweep', async () => {
    const backend = new MemoryBackend();
    const straight = new Sweep({ space, direction: 'minimize', seed: 21 });
    await straight.optimize((p) => loss(p), { trials: 16 });
    const part = new Sweep({ space, direction: 'minimize', seed: 21, tracker: () => trackerOn(backend), id: 'halves' });
    await part.optimize((p) => loss(p), { trials: 8 });
    const rest = new Sweep({ space, direction: 'minimize', tracker: () => trackerOn(backend), store: backend, resume: 'halves' });
    await rest.optimize((p) => loss(p), { trials: 16 });
    expect(rest.trials.map((t) => t.params)).toEqual(straight.trials.map((t) => t.params));
  });

  it('keeps an infinite result across a resume', async () => {
    const backend = new MemoryBackend();
    const first = new Sweep({ space, direction: 'maximize', seed: 1, tracker: () => trackerOn(backend), id: 'infinite' });
    await first.optimize((_p, trial) => (trial.number === 1 ? Infinity : trial.number), { trials: 3 });
    const rows = byTrial(await backend.getAllExperiments({ group: 'sweep_infinite' }));
    expect(rows.get(1)?.summary['objective']).toBeNull();
    expect(rows.get(1)?.tags['sweep_value']).toBe('Infinity');
    const again = new Sweep({ space, direction: 'maximize', store: backend, resume: 'infinite' });
    await again.ready();
    expect(again.best?.number).toBe(1);
    expect(again.best?.value).toBe(Infinity);
  });

  it('resumes a grid sweep with the points it has not visited', async () => {
    const backend = new MemoryBackend();
    const gridSpace = { hidden: intRange(8, 64, { values: [8, 16, 32] }), act: choice(['relu', 'tanh']) };
    const first = new Sweep({ space: gridSpace, direction: 'minimize', sampler: 'grid', seed: 5, tracker: () => trackerOn(backend), id: 'gridded' });
    await first.optimize(({ hidden }) => hidden, { trials: 4 });
    const rest = new Sweep({ space: gridSpace, direction: 'minimize', sampler: 'grid', tracker: () => trackerOn(backend), store: backend, resume: 'gridded' });
    await rest.ready();
    expect(rest.remaining).toBe(2);
    const result = await rest.optimize(({ hidden }) => hidden);
    expect(result.ran).toBe(2);
    const all = (await backend.getAllExperiments({ group: 'sweep_gridded' })).map((e) => JSON.stringify([e.config['hidden'], e.config['act']]));
    expect(new Set(all).size).toBe(6);
  });

  it('refuses to resume with a different definition, an unknown id or no store', async () => {
    const backend = new MemoryBackend();
    const s = new Sweep({ space, direction: 'minimize', seed: 2, tracker: () => trackerOn(backend), id: 'fixed' });
    await s.optimize((p) => loss(p), { trials: 2 });
    const other = new Sweep({ space, direction: 'maximize', store: backend, resume: 'fixed' });
    await expect(other.ready()).rejects.toMatchObject({ code: 'invalid_input', field: 'direction' });
    const otherSpace = new Sweep({ space: { lr: space.lr }, direction: 'minimize', store: backend, resume: 'fixed' });
    await expect(otherSpace.ready()).rejects.toMatchObject({ code: 'invalid_input', field: 'space' });
    const otherSeed = new Sweep({ space, direction: 'minimize', seed: 3, store: backend, resume: 'fixed' });
    await expect(otherSeed.ready()).rejects.toMatchObject({ code: 'invalid_input', field: 'seed' });
    await expect(new Sweep({ space, direction: 'minimize', store: backend, resume: 'nothing' }).ready()).rejects.toMatchObject({ code: 'not_found' });
    expect(() => new Sweep({ space, direction: 'minimize', resume: 'fixed' })).toThrow(/store/);
  });

  it('collects tracking failures without stopping the sweep, and flush reports them', async () => {
    const broken: SweepTracker = {
      startExperiment: async () => 'exp_1',
      logMetrics: () => undefined,
      logSummary: () => {
        throw new Error('disk full');
      },
      setTags: () => undefined,
      finishExperiment: async () => undefined,
    };
    const sweep = new Sweep({ space, direction: 'minimize', seed: 1, tracker: broken });
    const error = await sweep.optimize((p) => loss(p), { trials: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ExptrackError.is(error) && error.code).toBe('backend_failed');
    expect((error as Error).message).toMatch(/disk full/);
    expect(sweep.trials.filter((t) => t.state === 'completed')).toHaveLength(3);
    const handled: string[] = [];
    const quiet = new Sweep({ space, direction: 'minimize', seed: 1, tracker: broken, onTrackingError: (e, t) => handled.push(`${t.number}:${(e as Error).message}`) });
    await quiet.optimize((p) => loss(p), { trials: 2 });
    expect(handled).toEqual(['0:disk full', '0:disk full', '1:disk full', '1:disk full']);
  });
});
