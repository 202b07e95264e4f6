/**
 * Tunes the learning rate and hidden size of a tiny MLP with exptrack/sweep: multivariate TPE,
 * median pruning on the validation loss, every trial tracked in SQLite, resumable.
 *
 *   npx tsx examples/sweep.ts                       # 30 trials into ./exptrack.db
 *   npx tsx examples/sweep.ts --trials 50 --db runs.db
 *   npx tsx examples/sweep.ts --resume <sweep id>   # continue a sweep that was stopped
 *
 * The objective is self-contained (a two-layer MLP learning the two-moons problem, trained here in
 * plain TypeScript) because the repository's example trainer, examples/train-with-tracking.ts,
 * did not exist yet when this example was written.
 */
import { parseArgs } from 'node:util';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { MedianPruner, Sweep, intRange, logUniform, parameterImportance, type Trial } from 'exptrack/sweep';

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
    trials: { type: 'string', default: '30' },
    db: { type: 'string', default: process.env['EXPTRACK_DB'] ?? 'exptrack.db' },
    resume: { type: 'string' },
    seed: { type: 'string' },
  },
});

const backend = new SqliteBackend({ path: flags.db });
const tracker = new ExperimentTracker({ backends: [backend] });
const sweep = new Sweep({
  space: { learning_rate: logUniform(1e-3, 10), hidden_size: intRange(2, 64, { log: true }) },
  direction: 'minimize',
  sampler: 'tpe',
  multivariate: true,
  pruner: new MedianPruner({ startupTrials: 5, warmupSteps: 5 }),
  tracker,
  store: backend,
  metric: 'val_loss',
  ...(flags.seed === undefined ? {} : { seed: Number(flags.seed) }),
  ...(flags.resume === undefined ? {} : { resume: flags.resume }),
});

const started = Date.now();
const result = await sweep.optimize(({ learning_rate, hidden_size }, trial) => trainMlp(learning_rate, hidden_size, 30, trial), {
  trials: Number(flags.trials),
});
const best = result.best;
console.log(`sweep ${sweep.id} (group ${sweep.group}) in ${flags.db}: ${result.ran} trials in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`  completed ${result.completed}, pruned ${result.pruned}, failed ${result.failed}`);
if (best) {
  console.log(`  best: trial ${best.number}, val_loss ${best.value?.toFixed(4)}, learning_rate ${best.params.learning_rate.toPrecision(3)}, hidden_size ${best.params.hidden_size}`);
}
if (sweep.trials.filter((t) => t.state === 'completed').length >= 3) {
  for (const p of parameterImportance(sweep.trials)) {
    console.log(`  importance of ${p.name}: ${p.importance.toFixed(2)} (Spearman rho ${p.correlation?.toFixed(2)} over ${p.trials} completed trials)`);
  }
}
console.log(`  resume with: npx tsx examples/sweep.ts --db ${flags.db} --resume ${sweep.id} --trials ${Number(flags.trials) + 20}`);
await tracker.close();
