/**
 * Tunes a learning rate and a hidden size with exptrack/sweep: multivariate TPE, every trial
 * tracked as an experiment in SQLite, resumable after a crash.
 *
 * By default it tunes the repository's example trainer, examples/train-with-tracking.ts (an MLP that
 * learns two-digit addition): each trial runs the trainer as a child process with the trial's
 * --learning-rate and --hidden-size, two at a time, and maximises the test accuracy it prints.
 * The trainer's own tracked run goes to a scratch database; the sweep's store holds one experiment
 * per trial. `--toy` tunes an in-process two-moons MLP instead (seconds), reporting the validation
 * loss per epoch so a median pruner can stop bad trials early.
 *
 *   npx tsx examples/sweep.ts                          # 12 trainer runs into ./exptrack.db
 *   npx tsx examples/sweep.ts --trials 20 --num-steps 600 --db runs.db
 *   npx tsx examples/sweep.ts --toy --trials 40        # the in-process objective, with pruning
 *   npx tsx examples/sweep.ts --resume <sweep id>      # continue a sweep that was stopped (same flags)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { MedianPruner, Sweep, intRange, logUniform, parameterImportance, type Objective, type Trial } from 'exptrack/sweep';

/** mulberry32: a tiny seeded generator, so every trial sees the same data and initial weights. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two interleaved half-moons with noise: `n` points, labels 0/1. */
function moons(n: number, seed: number): { x: [number, number][]; y: number[] } {
  const r = rng(seed);
  const x: [number, number][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * r();
    const px = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x.push([px + 0.2 * (r() - 0.5), py + 0.2 * (r() - 0.5)]);
    y.push(label);
  }
  return { x, y };
}

const train = moons(400, 1);
const valid = moons(200, 2);

/**
 * Trains a 2-`hidden`-1 tanh MLP with full-batch gradient descent for `epochs` epochs and returns
 * the validation log-loss, reporting it after each epoch (so the pruner can stop bad trials).
 */
function trainMlp(learningRate: number, hidden: number, epochs: number, trial: Trial): number | { state: 'pruned' } {
  const r = rng(42);
  const w1 = Array.from({ length: hidden }, () => [r() - 0.5, r() - 0.5].map((v) => v * 2));
  const b1 = new Array<number>(hidden).fill(0);
  const w2 = Array.from({ length: hidden }, () => (r() - 0.5) / Math.sqrt(hidden));
  let b2 = 0;
  const forward = (p: [number, number]) => {
    const h = w1.map((w, j) => Math.tanh(w[0]! * p[0] + w[1]! * p[1] + b1[j]!));
    const z = h.reduce((s, v, j) => s + v * w2[j]!, b2);
    return { h, prob: 1 / (1 + Math.exp(-z)) };
  };
  const logLoss = (data: typeof valid) =>
    data.x.reduce((s, p, i) => {
      const q = Math.min(1 - 1e-7, Math.max(1e-7, forward(p).prob));
      return s - (data.y[i] === 1 ? Math.log(q) : Math.log(1 - q));
    }, 0) / data.x.length;
  let loss = logLoss(valid);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let step = 0; step < 10; step++) {
      const gw1 = w1.map(() => [0, 0]);
      const gb1 = new Array<number>(hidden).fill(0);
      const gw2 = new Array<number>(hidden).fill(0);
      let gb2 = 0;
      train.x.forEach((p, i) => {
        const { h, prob } = forward(p);
        const dz = prob - train.y[i]!;
        gb2 += dz;
        for (let j = 0; j < hidden; j++) {
          gw2[j]! += dz * h[j]!;
          const dh = dz * w2[j]! * (1 - h[j]! * h[j]!);
          gw1[j]![0]! += dh * p[0];
          gw1[j]![1]! += dh * p[1];
          gb1[j]! += dh;
        }
      });
      const k = learningRate / train.x.length;
      for (let j = 0; j < hidden; j++) {
        w2[j]! -= k * gw2[j]!;
        w1[j]![0]! -= k * gw1[j]![0]!;
        w1[j]![1]! -= k * gw1[j]![1]!;
        b1[j]! -= k * gb1[j]!;
      }
      b2 -= k * gb2;
    }
    loss = logLoss(valid);
    trial.report(loss, epoch + 1);
    if (trial.shouldPrune()) return { state: 'pruned' };
  }
  return loss;
}

const { values: flags } = parseArgs({
  options: {
    trials: { type: 'string', default: '12' },
    'num-steps': { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '2' },
    toy: { type: 'boolean', default: false },
    db: { type: 'string', default: process.env['EXPTRACK_DB'] ?? 'exptrack.db' },
    resume: { type: 'string' },
    seed: { type: 'string' },
  },
});

const space = { learning_rate: logUniform(1e-4, 1e-1), hidden_size: intRange(4, 128, { log: true }) };
const toySpace = { learning_rate: logUniform(1e-3, 10), hidden_size: intRange(2, 64, { log: true }) };
const execFileAsync = promisify(execFile);
const trainer = fileURLToPath(new URL('./train-with-tracking.ts', import.meta.url));

/** Runs the example trainer once with the trial's params and returns its test accuracy. */
const trainerObjective: Objective<typeof space> = async ({ learning_rate, hidden_size }, trial) => {
  const scratch = mkdtempSync(join(tmpdir(), 'exptrack-sweep-'));
  try {
    // process.execArgv carries tsx's loader flags, so the child runs TypeScript as this process does.
    const { stdout } = await execFileAsync(process.execPath, [
      ...process.execArgv,
      trainer,
      '--learning-rate', String(learning_rate),
      '--hidden-size', String(hidden_size),
      '--num-steps', String(flags['num-steps']),
      '--experiment-name', `trial-${trial.number}`,
      '--db', join(scratch, 'runs.db'),
      '--checkpoint-dir', join(scratch, 'checkpoints'),
    ]);
    const accuracy = /test accuracy ([\d.]+)%/.exec(stdout)?.[1];
    if (accuracy === undefined) throw new Error(`the trainer printed no test accuracy: ${stdout.slice(-200)}`);
    return Number(accuracy) / 100;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};

const backend = new SqliteBackend({ path: flags.db });
const tracker = new ExperimentTracker({ backends: [backend] });
const common = {
  sampler: 'tpe' as const,
  multivariate: true,
  tracker,
  store: backend,
  ...(flags.seed === undefined ? {} : { seed: Number(flags.seed) }),
  ...(flags.resume === undefined ? {} : { resume: flags.resume }),
};
const started = Date.now();
const trials = Number(flags.trials);
const sweep = flags.toy
  ? new Sweep({ space: toySpace, direction: 'minimize', metric: 'val_loss', pruner: new MedianPruner({ startupTrials: 5, warmupSteps: 5 }), ...common })
  : new Sweep({ space, direction: 'maximize', metric: 'test_accuracy', ...common });
const result = flags.toy
  ? await (sweep as Sweep<typeof toySpace>).optimize(({ learning_rate, hidden_size }, trial) => trainMlp(learning_rate, hidden_size, 30, trial), { trials })
  : await (sweep as Sweep<typeof space>).optimize(trainerObjective, { trials, concurrency: Number(flags.concurrency) });

const best = result.best;
console.log(`sweep ${sweep.id} (group ${sweep.group}) in ${flags.db}: ${result.ran} trials in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`  completed ${result.completed}, pruned ${result.pruned}, failed ${result.failed}`);
if (best) {
  const p = best.params as { learning_rate: number; hidden_size: number };
  console.log(`  best: trial ${best.number}, ${sweep.metric} ${best.value?.toFixed(4)}, learning_rate ${p.learning_rate.toPrecision(3)}, hidden_size ${p.hidden_size}`);
}
if (sweep.trials.filter((t) => t.state === 'completed').length >= 3) {
  for (const p of parameterImportance(sweep.trials)) {
    console.log(`  importance of ${p.name}: ${p.importance.toFixed(2)} (Spearman rho ${p.correlation?.toFixed(2)} over ${p.trials} completed trials)`);
  }
}
const kept = process.argv.slice(2).filter((a, i, all) => !['--resume', '--trials'].includes(a) && !['--resume', '--trials'].includes(all[i - 1] ?? ''));
console.log(`  resume or extend it: npx tsx examples/sweep.ts ${[...kept, '--trials', String(trials + 10), '--resume', sweep.id].join(' ')}`);
await tracker.close();
