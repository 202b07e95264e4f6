/**
 * A real (tiny) model trained in plain TypeScript, tracked with exptrack: a one-hidden-layer MLP
 * that learns two-digit addition (a + b for a, b in 0..99) from the digits of a and b.
 *
 *   npx tsx examples/train-with-tracking.ts --num-steps 600 --learning-rate 0.01 --experiment-name lr-0.01
 *
 * It logs loss and accuracy per step, evaluates on 400 held-out sums (per-item rows, so two runs
 * can be compared item by item), saves checkpoints and finishes. Different hyperparameters give
 * genuinely different results.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

const { values: flags } = parseArgs({
  options: {
    'num-steps': { type: 'string', default: '600' },
    'learning-rate': { type: 'string', default: '0.01' },
    'hidden-size': { type: 'string', default: '32' },
    'batch-size': { type: 'string', default: '32' },
    seed: { type: 'string', default: '0' },
    'experiment-name': { type: 'string' },
    notes: { type: 'string', default: '' },
    group: { type: 'string' },
    db: { type: 'string', default: process.env.EXPTRACK_DB ?? 'exptrack.db' },
    'checkpoint-dir': { type: 'string', default: 'checkpoints' },
  },
});

const config = {
  num_steps: Number(flags['num-steps']),
  learning_rate: Number(flags['learning-rate']),
  hidden_size: Number(flags['hidden-size']),
  batch_size: Number(flags['batch-size']),
  seed: Number(flags.seed),
  model: 'mlp-addition',
  optimizer: 'adam',
};

/** mulberry32: a small seeded PRNG, so a seed reproduces a run exactly. */
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

const INPUTS = 40; // four digits, one-hot
const SCALE = 198; // the largest sum

function encode(a: number, b: number): Float64Array {
  const x = new Float64Array(INPUTS);
  for (const [i, digit] of [Math.floor(a / 10), a % 10, Math.floor(b / 10), b % 10].entries()) x[i * 10 + digit] = 1;
  return x;
}

/** Adam (Kingma & Ba, 2015) over a list of parameter arrays. */
class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;
  constructor(private readonly params: Float64Array[]) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  step(grads: readonly Float64Array[], lr: number, scale: number, beta1 = 0.9, beta2 = 0.999): void {
    this.t++;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    this.params.forEach((p, k) => {
      const [g, m, v] = [grads[k]!, this.m[k]!, this.v[k]!];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * scale;
        m[i] = beta1 * m[i]! + (1 - beta1) * gi;
        v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
        p[i]! -= (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + 1e-8);
      }
    });
  }
}

class Mlp {
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  readonly b2Box = new Float64Array(1);
  constructor(readonly hidden: number, random: () => number) {
    const scale = Math.sqrt(2 / INPUTS);
    this.w1 = Float64Array.from({ length: hidden * INPUTS }, () => (random() * 2 - 1) * scale);
    this.b1 = new Float64Array(hidden);
    this.w2 = Float64Array.from({ length: hidden }, () => (random() * 2 - 1) * Math.sqrt(1 / hidden));
    this.adam = new Adam([this.w1, this.b1, this.w2, this.b2Box]);
  }

  forward(x: Float64Array): { h: Float64Array; y: number } {
    const h = new Float64Array(this.hidden);
    let y = this.b2Box[0]!;
    for (let j = 0; j < this.hidden; j++) {
      let z = this.b1[j]!;
      for (let i = 0; i < INPUTS; i++) if (x[i] !== 0) z += this.w1[j * INPUTS + i]!;
      h[j] = z > 0 ? z : 0; // ReLU
      y += this.w2[j]! * h[j]!;
    }
    return { h, y };
  }

  /** One Adam step on a mini-batch; returns the mean squared error (in units of the sum) before the step. */
  train(batch: Array<[number, number]>, lr: number): number {
    const grads = [new Float64Array(this.w1.length), new Float64Array(this.hidden), new Float64Array(this.hidden), new Float64Array(1)] as const;
    const [gw1, gb1, gw2, gb2] = grads;
    let loss = 0;
    for (const [a, b] of batch) {
      const x = encode(a, b);
      const { h, y } = this.forward(x);
      const err = y - (a + b) / SCALE;
      loss += (err * SCALE) ** 2;
      gb2[0]! += err;
      for (let j = 0; j < this.hidden; j++) {
        gw2[j]! += err * h[j]!;
        if (h[j]! <= 0) continue;
        const g = err * this.w2[j]!;
        gb1[j]! += g;
        for (let i = 0; i < INPUTS; i++) if (x[i] !== 0) gw1[j * INPUTS + i]! += g;
      }
    }
    this.adam.step(grads, lr, 2 / batch.length);
    return loss / batch.length;
  }

  private readonly adam: Adam;

  get b2(): number {
    return this.b2Box[0]!;
  }

  predict(a: number, b: number): number {
    return Math.round(this.forward(encode(a, b)).y * SCALE);
  }
}

const random = rng(config.seed);
const pairs: Array<[number, number]> = [];
for (let a = 0; a < 100; a++) for (let b = 0; b < 100; b++) pairs.push([a, b]);
// A fixed held-out set (the same for every run, whatever its seed), so runs can be paired item by item.
const split = rng(12345);
for (let i = pairs.length - 1; i > 0; i--) {
  const j = Math.floor(split() * (i + 1));
  [pairs[i], pairs[j]] = [pairs[j]!, pairs[i]!];
}
const test = pairs.slice(0, 400);
const train = pairs.slice(400);

const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: flags.db })] });
const id = await tracker.startExperiment(config, {
  name: flags['experiment-name'] ?? `mlp-lr${config.learning_rate}-h${config.hidden_size}`,
  notes: flags.notes,
  tags: { task: 'addition' },
  ...(flags.group ? { group: flags.group } : {}),
});
console.log(`experiment ${id}: ${JSON.stringify(config)}`);

const model = new Mlp(config.hidden_size, random);
const accuracyOn = (items: Array<[number, number]>) => items.filter(([a, b]) => model.predict(a, b) === a + b).length / items.length;
const checkpointDir = join(flags['checkpoint-dir'], id);
mkdirSync(checkpointDir, { recursive: true });
let best = 0;
for (let step = 1; step <= config.num_steps; step++) {
  const batch = Array.from({ length: config.batch_size }, () => train[Math.floor(random() * train.length)]!);
  const loss = model.train(batch, config.learning_rate);
  const metrics: Record<string, number> = { loss, batch_accuracy: batch.filter(([a, b]) => model.predict(a, b) === a + b).length / batch.length };
  if (step % 50 === 0 || step === config.num_steps) {
    metrics.test_accuracy = accuracyOn(test);
    best = Math.max(best, metrics.test_accuracy);
  }
  tracker.logMetrics(metrics, step);
  if (step % 200 === 0 || step === config.num_steps) {
    const file = join(checkpointDir, `step-${step}.json`);
    writeFileSync(file, JSON.stringify({ w1: [...model.w1], b1: [...model.b1], w2: [...model.w2], b2: model.b2 }));
    await tracker.logCheckpoint(file, { step, metrics: { loss } });
  }
}

const samples = test.map(([a, b]) => {
  const predicted = model.predict(a, b);
  return { id: `${a}+${b}`, prompt: `${a}+${b}`, output: String(predicted), extracted: String(predicted), gold: String(a + b), correct: predicted === a + b, score: predicted === a + b ? 1 : 0 };
});
const accuracy = samples.filter((s) => s.correct).length / samples.length;
await tracker.logEvaluation('addition', { metrics: { accuracy }, samples, step: config.num_steps });
tracker.logSummary({ best_test_accuracy: best, final_test_accuracy: accuracy });
await tracker.finishExperiment();
console.log(`finished ${id}: test accuracy ${(accuracy * 100).toFixed(1)}% (${samples.length} held-out sums)`);
