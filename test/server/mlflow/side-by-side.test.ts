// A Python script logged through MLflow's client and a TypeScript script logged through exptrack's
// tracker, into one store: both appear in `exptrack leaderboard` and `exptrack compare` (the built
// CLI), the MLflow run with its params as strings and its evaluation table tested item by item
// against the TypeScript run's evaluation. Needs the MLflow client and dist/.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { mlflowMounts } from '../../../src/server/mlflow/mlflow-routes.js';
import { serve, type ServedStore } from '../../fixtures/tracking-server.js';
import { BIN, cli, tempDir } from '../../cli/helpers.js';
import { hasMlflowClient, MLFLOW_SKIP_REASON, runPython, script } from './mlflow-client-fixture.js';

const built = existsSync(BIN);
const skip = !hasMlflowClient ? MLFLOW_SKIP_REASON : built ? '' : ` (skipped: ${BIN} is missing; run npm run build)`;

describe.skipIf(skip !== '')(`an MLflow run and an exptrack run side by side${skip}`, () => {
  const db = join(tempDir('exptrack-side-'), 'runs.db');
  let served: ServedStore;
  let pythonId = '';
  let typescriptId = '';
  beforeAll(async () => {
    const store = new SqliteBackend({ path: db });
    await store.init();
    served = await serve(store, { mounts: mlflowMounts({ store }) });
    pythonId = /RUN_ID=(\w+)/.exec(await runPython(script('side_by_side.py'), served.server.url))![1]!;
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: db })], captureGit: false, captureEnvironment: false });
    typescriptId = await tracker.startExperiment({ learning_rate: 0.003, model: 'mlp', seed: 1 }, { name: 'typescript-exptrack', group: 'side-by-side' });
    for (let step = 0; step < 100; step++) tracker.logMetrics({ loss: 1.5 / (step + 1) }, step);
    // The same 200 items: right where the MLflow run was, and right on 30 more.
    const samples = Array.from({ length: 200 }, (_, i) => ({ id: `q${i}`, correct: i % 10 < 6 || (i % 10 < 9 && i < 150) }));
    await tracker.logEvaluation('toy-qa', { metrics: { accuracy: samples.filter((s) => s.correct).length / 200 }, samples });
    tracker.logMetrics({ accuracy: samples.filter((s) => s.correct).length / 200 }, 100);
    await tracker.finishExperiment();
    await tracker.close();
  }, 120_000);
  afterAll(() => served?.stop());

  // EXPTRACK_SIDE_BY_SIDE_OUT=file keeps the CLI's output (for a closing note).
  const keep = (args: string[], stdout: string) => {
    if (process.env.EXPTRACK_SIDE_BY_SIDE_OUT) appendFileSync(process.env.EXPTRACK_SIDE_BY_SIDE_OUT, `$ exptrack ${args.join(' ')}\n${stdout}\n`);
  };

  it('leaderboard ranks both runs of the group', () => {
    const args = ['leaderboard', '--db', db, '--metric', 'accuracy', '--filter', 'group = "side-by-side"'];
    const run = cli(args);
    keep(args, run.stdout);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('typescript-exptrack');
    expect(run.stdout).toContain('python-mlflow');
    expect(run.stdout.indexOf('typescript-exptrack')).toBeLessThan(run.stdout.indexOf('python-mlflow'));
  });

  it('compare shows both, with the MLflow params as strings beside the tracker config', () => {
    const args = ['compare', pythonId, typescriptId, '--db', db];
    const run = cli(args);
    keep(args, run.stdout);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('python-mlflow');
    expect(run.stdout).toContain('typescript-exptrack');
    expect(run.stdout).toMatch(/learning_rate/);
    expect(run.stdout).toMatch(/0\.01/);
    expect(run.stdout).toMatch(/0\.003/);
    // The MLflow run's evaluation table is an exptrack evaluation: a paired test applies.
    expect(run.stdout).toMatch(/toy-qa/);
    expect(run.stdout).toMatch(/McNemar|paired/i);
    expect(run.stdout).not.toMatch(/no test applies/);
  });
});
