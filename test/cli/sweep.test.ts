// `exptrack sweep` and `exptrack sweep show`, run from the BUILT CLI (`npm run build` first)
// against a temporary SQLite store, over test/fixtures/sweep-objective/objective.mjs: (x - 0.3)^2.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Experiment } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'dist/cli/bin.js');
const FIXTURES = join(ROOT, 'test/fixtures/sweep-objective');
const OBJECTIVE = ['node', join(FIXTURES, 'objective.mjs')];

let dir: string;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the CLI tests`);
  dir = mkdtempSync(join(tmpdir(), 'exptrack-sweep-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI child's environment: no inherited exptrack variables. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('EXPTRACK_') && !k.startsWith('SWEEP_') && k !== 'FORCE_COLOR') out[k] = v;
  return { ...out, NO_COLOR: '1', ...extra };
}

function run(args: readonly string[], extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: env(extra), cwd: dir });
}

async function sweepExperiments(db: string, id: string): Promise<Experiment[]> {
  const store = new SqliteBackend({ path: db, fileMustExist: true });
  try {
    return (await store.getAllExperiments({ group: `sweep_${id}`, sort: 'created', direction: 'asc' })).sort((a, b) => trialNumber(a) - trialNumber(b));
  } finally {
    await store.close();
  }
}

/** A trial's number; an interrupted trial rerun by a resume carries it as sweep_replaced_trial. */
const trialNumber = (e: Experiment) => Number(e.tags['sweep_trial'] ?? e.tags['sweep_replaced_trial']);

const f = (x: number) => (x - 0.3) ** 2;

interface RunJson {
  id: string;
  ran: number;
  group: string;
  interrupted: boolean;
  counts: Record<string, number>;
  best: { number: number; params: { x: number }; value: number; experimentId: string } | null;
  trials: Array<{ number: number; state: string; params: { x: number }; value: number | null; experimentId: string | null; error: string | null }>;
  resumeCommand?: string;
}

// Each test runs the CLI one to three times, with two trials at once, on a shared and loaded machine.
describe('exptrack sweep', { timeout: 90_000 }, () => {
  it('runs every trial as a tracked experiment, two at a time; a failing trial is failed and the sweep goes on; sweep show', async () => {
    const db = join(dir, 'basic.db');
    // The config asks for 6 random trials (seed 3), 2 at a time; trials with x < 0.1 exit with code 3.
    const r = run(['sweep', '--config', join(FIXTURES, 'sweep.json'), '--db', db, '--json', '--', ...OBJECTIVE], { SWEEP_FAIL_BELOW: '0.1' });
    expect(r.stderr).toMatch(/^sweep \S+: 6 trials, 2 at a time/m);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as RunJson;
    expect(out.group).toBe(`sweep_${out.id}`);
    expect(out.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5]);
    const failed = out.trials.filter((t) => t.params.x < 0.1);
    const completed = out.trials.filter((t) => t.params.x >= 0.1);
    // Seed 3 gives at least one x below 0.1 and several above: both paths are exercised.
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(completed.length).toBeGreaterThanOrEqual(3);
    for (const t of failed) {
      expect(t.state).toBe('failed');
      expect(t.error).toMatch(/exit code 3: x too small/);
    }
    for (const t of completed) {
      expect(t.state).toBe('completed');
      expect(t.value).toBeCloseTo(f(t.params.x), 12);
    }
    expect(out.counts).toMatchObject({ completed: completed.length, failed: failed.length });
    const best = completed.reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
    expect(out.best?.number).toBe(best.number);
    expect(out.best?.value).toBe(best.value);
    // Progress lines: one per trial with its params and value, and the best so far.
    for (const t of completed) expect(r.stderr).toMatch(new RegExp(`^trial ${t.number}  x=\\S+  objective \\S+  best \\S+ \\(trial \\d+\\)$`, 'm'));

    // In the store: one experiment per trial in group sweep_<id>, params as config, value and state.
    const experiments = await sweepExperiments(db, out.id);
    expect(experiments).toHaveLength(6);
    for (const [i, e] of experiments.entries()) {
      const t = out.trials[i] as RunJson['trials'][number];
      expect(e.id).toBe(t.experimentId);
      expect(e.group).toBe(`sweep_${out.id}`);
      expect(e.config).toEqual(t.params);
      expect(e.tags['sweep_state']).toBe(t.state);
      expect(e.status).toBe(t.state === 'failed' ? 'failed' : 'completed');
      expect(e.summary['objective']).toBe(t.state === 'completed' ? t.value : null);
    }

    // sweep show --json: the same trials, the best, and the parameter importance.
    const show = run(['sweep', 'show', out.id, '--db', db, '--json']);
    expect(show.status, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout);
    expect(shown.trials.map((t: { number: number; state: string; value: number | null }) => [t.number, t.state, t.value])).toEqual(
      out.trials.map((t) => [t.number, t.state, t.value]),
    );
    expect(shown.best.number).toBe(best.number);
    expect(shown.definition).toMatchObject({ direction: 'minimize', sampler: 'random', seed: 3, metric: 'objective' });
    expect(shown.importance).toHaveLength(1);
    expect(shown.importance[0]).toMatchObject({ name: 'x', method: 'spearman', trials: completed.length });
    // Every completed x here lies below 0.3, where (x - 0.3)^2 falls as x grows: rho = -1.
    if (completed.every((t) => t.params.x < 0.3)) expect(shown.importance[0].correlation).toBeCloseTo(-1, 12);
    const text = run(['sweep', 'show', out.id, '--db', db]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`best: trial ${best.number}`);
    expect(text.stdout).toMatch(/parameter importance/);

    // sweep list: the sweep, its metric and direction, its trials by state and the best value.
    const listed = JSON.parse(run(['sweep', 'list', '--db', db, '--json']).stdout);
    expect(listed.sweeps).toHaveLength(1);
    expect(listed.sweeps[0]).toMatchObject({
      id: out.id,
      group: `sweep_${out.id}`,
      metric: 'objective',
      direction: 'minimize',
      trials: 6,
      states: { completed: completed.length, failed: failed.length },
      best: best.value,
      bestExperimentId: best.experimentId,
    });
    const listText = run(['sweep', 'list', '--db', db]);
    expect(listText.status, listText.stderr).toBe(0);
    expect(listText.stdout).toMatch(new RegExp(`^${out.id}\\s+\\S+ \\S+\\s+objective ↓\\s+6\\s+`, 'm'));
  });

  it('reads the value from the tracker (summary, else the last metric point) when none is printed; a printed value wins', async () => {
    const db = join(dir, 'tracker.db');
    // metric "loss"; even trials log metric loss (value + 1 at the last step) and summary loss = value;
    // odd trials log summary loss = value + 5 and print exptrack:value=<value>.
    const r = run(['sweep', '--config', join(FIXTURES, 'sweep-tracker.json'), '--trials', '2', '--db', db, '--json', '--', ...OBJECTIVE], { SWEEP_MODE: 'mixed' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as RunJson;
    expect(out.trials).toHaveLength(2);
    const experiments = await sweepExperiments(db, out.id);
    const store = new SqliteBackend({ path: db, fileMustExist: true });
    try {
      for (const t of out.trials) {
        expect(t.state).toBe('completed');
        expect(t.value).toBeCloseTo(f(t.params.x), 12);
        const e = experiments[t.number] as Experiment;
        expect(e.summary['loss']).toBeCloseTo(f(t.params.x), 12);
        // The child's own points landed in the trial's experiment.
        const points = await store.getMetrics(e.id, 'loss');
        expect(points.map((p) => p.step)).toEqual([0, 1, 2]);
        expect(points[2]?.value).toBeCloseTo(f(t.params.x) + 1, 12);
      }
    } finally {
      await store.close();
    }
  });

  it('feeds exptrack:report lines to the pruner from the config: a pruned trial stops early and is stored pruned with its last report', async () => {
    const db = join(dir, 'pruned.db');
    // Median pruner after 2 completed trials; the command reports value * (5 - step) at steps 0-4.
    const r = run(['sweep', '--config', join(FIXTURES, 'sweep-pruned.json'), '--db', db, '--json', '--', ...OBJECTIVE], { SWEEP_MODE: 'report' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as RunJson;
    const pruned = out.trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThanOrEqual(1);
    expect(out.trials.filter((t) => t.state === 'completed').length).toBeGreaterThanOrEqual(2);
    expect(pruned.map((t) => t.number)).not.toContain(out.best?.number);
    const experiments = await sweepExperiments(db, out.id);
    const store = new SqliteBackend({ path: db, fileMustExist: true });
    try {
      for (const t of pruned) {
        const e = experiments[t.number] as Experiment;
        expect(e.tags['sweep_state']).toBe('pruned');
        expect(e.status).toBe('completed');
        const points = await store.getMetrics(e.id, 'objective');
        const last = points[points.length - 1] as { step: number; value: number };
        expect(last.step).toBeLessThan(4); // stopped before the end
        expect(last.value).toBeCloseTo(f(t.params.x) * (5 - last.step), 12);
        expect(t.value).toBe(last.value);
      }
    } finally {
      await store.close();
    }
  });

  it('Ctrl-C stops cleanly (running trials killed, never best) and --resume completes the rest without rerunning finished trials', async () => {
    const db = join(dir, 'interrupt.db');
    const runs = join(dir, 'runs.txt');
    const child = spawn(process.execPath, [BIN, 'sweep', '--config', join(FIXTURES, 'sweep.json'), '--db', db, '--json', '--', ...OBJECTIVE], {
      env: env({ SWEEP_MODE: 'slow', SWEEP_SLEEP_MS: '3000', SWEEP_SLEEP_FROM: '2', SWEEP_RUNS_FILE: runs }),
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    // Interrupt once two trials completed and two more have started (trials 2 and up sleep 3 s).
    const deadline = Date.now() + 60_000;
    const lines = () => (existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n').filter(Boolean) : []);
    while ((stderr.match(/^trial \d+ .* objective /gm)?.length ?? 0) < 2 || lines().length < 4) {
      if (Date.now() > deadline) throw new Error(`no progress: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    const out = JSON.parse(stdout) as RunJson;
    expect(out.interrupted).toBe(true);
    expect(stderr).toContain(`resume it with: exptrack sweep --resume ${out.id} --db ${db} --`);
    const done = out.trials.filter((t) => t.state === 'completed');
    const killed = out.trials.filter((t) => t.state === 'killed');
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(killed.length).toBeGreaterThanOrEqual(1);
    expect(done.length + killed.length).toBe(out.trials.length);
    expect(killed.map((t) => t.number)).not.toContain(out.best?.number);
    let experiments = await sweepExperiments(db, out.id);
    for (const t of killed) expect(experiments[t.number]?.status).toBe('killed');

    // Resume without the config: the definition and the budget (6) come from the store.
    const before = lines();
    const resumed = run(['sweep', '--resume', out.id, '--db', db, '--json', '--', ...OBJECTIVE], { SWEEP_MODE: 'slow', SWEEP_SLEEP_MS: '0', SWEEP_RUNS_FILE: runs });
    expect(resumed.status, resumed.stderr).toBe(0);
    const after = JSON.parse(resumed.stdout) as RunJson;
    expect(after.id).toBe(out.id);
    expect(after.counts['completed']).toBe(6);
    const newRuns = lines().slice(before.length).map((l) => Number(l.split(' ')[0]));
    // Only trials numbered after the interrupted run's ran again: no finished trial was rerun.
    const firstNew = Math.max(...out.trials.map((t) => t.number)) + 1;
    expect(newRuns.length).toBe(6 - done.length);
    for (const n of newRuns) expect(n).toBeGreaterThanOrEqual(firstNew);
    // The killed trials' params were asked again first.
    const rerunXs = after.trials.filter((t) => t.number >= firstNew).map((t) => t.params.x);
    for (const t of killed) expect(rerunXs).toContain(t.params.x);
    experiments = await sweepExperiments(db, out.id);
    expect(experiments.filter((e) => e.tags['sweep_state'] === 'completed')).toHaveLength(6);
    const bestAll = after.trials.filter((t) => t.state === 'completed').reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
    expect(after.best?.number).toBe(bestAll.number);
    // The killed trials now point at their reruns and are no longer trials a resume would ask again.
    for (const t of killed) {
      const e = experiments[t.number] as Experiment;
      expect(e.tags['sweep_trial']).toBeUndefined();
      expect(e.tags['sweep_replaced_trial']).toBe(String(t.number));
      const rerun = after.trials.find((r) => r.number === Number(e.tags['sweep_rerun_as']));
      expect(rerun?.params.x).toBe(t.params.x);
      expect(rerun?.state).toBe('completed');
    }

    // A second resume of the finished sweep runs nothing; sweep show lists all 6 + killed trials.
    const again = run(['sweep', '--resume', out.id, '--db', db, '--json', '--', ...OBJECTIVE], { SWEEP_MODE: 'slow', SWEEP_SLEEP_MS: '0', SWEEP_RUNS_FILE: runs });
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as RunJson).ran).toBe(0);
    expect(lines()).toHaveLength(before.length + newRuns.length);
    const shown = JSON.parse(run(['sweep', 'show', out.id, '--db', db, '--json']).stdout);
    expect(shown.trials.filter((t: { state: string }) => t.state === 'completed')).toHaveLength(6);
    expect(shown.trials.filter((t: { state: string; rerunAs: number | null }) => t.state === 'killed' && t.rerunAs !== null)).toHaveLength(killed.length);
  });

  it('usage errors: no command, no config, a command that does not exist, an unknown sweep', () => {
    const noCommand = run(['sweep', '--config', join(FIXTURES, 'sweep.json'), '--db', join(dir, 'u.db')]);
    expect(noCommand.status).toBe(2);
    expect(noCommand.stderr).toMatch(/give the command to run after --/);
    const noConfig = run(['sweep', '--db', join(dir, 'u.db'), '--', 'node', '-e', '0']);
    expect(noConfig.status).toBe(2);
    const missing = run(['sweep', '--config', join(FIXTURES, 'sweep.json'), '--db', join(dir, 'u.db'), '--', 'exptrack-no-such-command']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot run exptrack-no-such-command: not found/);
    const unknown = run(['sweep', 'show', 'nope', '--db', join(dir, 'basic.db')]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no sweep with id "nope"/);
  });
});
