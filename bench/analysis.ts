// Leaderboard over 10,000 experiments in the SQLite store: `npx tsx bench/analysis.ts`.
// Prints the median and best of several timed runs of each call, after one warm-up.
import { performance } from 'node:perf_hooks';
import type { TrackerEvent } from '../src/core/backend.js';
import { SqliteBackend } from '../src/backends/sqlite/index.js';
import { MemoryBackend } from '../src/backends/memory/index.js';
import type { ExperimentReader } from '../src/core/backend.js';
import { compareExperiments, leaderboard } from '../src/analysis/index.js';

const EXPERIMENTS = 10_000;
const TARGET_MS = 100;

function build(): TrackerEvent[] {
  const events: TrackerEvent[] = [];
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < EXPERIMENTS; i++) {
    const id = `exp_${String(i).padStart(5, '0')}`;
    const lr = [1e-4, 3e-4, 1e-3, 3e-3][i % 4] as number;
    const accuracy = Math.round((0.4 + 0.4 * random()) * 1319) / 1319;
    events.push({
      type: 'experiment_started',
      experiment: {
        id, name: `run-${i}`, notes: '', group: `sweep-${Math.floor(i / 4)}`, config: { learning_rate: lr, batch_size: 32, model: i % 2 ? 'mlp' : 'cnn', seed: i % 3 },
        tags: { stage: i % 5 === 0 ? 'rl' : 'sft' }, status: 'completed', createdAt: 1_767_225_600_000 + i, endedAt: null, heartbeatAt: null, git: null, environment: null, summary: {}, error: null,
      },
    });
    events.push({
      type: 'evaluation', experimentId: id,
      evaluation: { benchmark: 'gsm8k', metrics: { accuracy, accuracy_stderr: Math.sqrt((accuracy * (1 - accuracy)) / 1318), n_scored: 1319 }, metadata: {}, step: null, createdAt: 1_767_300_000_000 + i },
      samples: [],
    });
    events.push({ type: 'metrics', experimentId: id, points: { keys: ['loss', 'loss'], steps: [0, 1], values: [2, 1 - accuracy], timestamps: [0, 1], rank: 0 } });
  }
  return events;
}

async function time(label: string, run: () => Promise<unknown>, repeats: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  process.stdout.write(`${label.padEnd(58)} median ${median.toFixed(1).padStart(7)} ms   best ${(times[0] as number).toFixed(1).padStart(7)} ms\n`);
  return median;
}

const events = build();
const sqlite = new SqliteBackend({ path: ':memory:' });
await sqlite.init();
const writeStart = performance.now();
for (let i = 0; i < events.length; i += 3000) await sqlite.write(events.slice(i, i + 3000));
process.stdout.write(`${EXPERIMENTS} experiments, each with one gsm8k evaluation and a loss series (SQLite written in ${(performance.now() - writeStart).toFixed(0)} ms)\n`);
const memory = new MemoryBackend();
await memory.write(events);

async function suite(name: string, store: ExperimentReader, repeats: number): Promise<number> {
  process.stdout.write(`\n${name}\n`);
  const top20 = await time('leaderboard gsm8k accuracy, top 20', () => leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', top: 20 }), repeats);
  await time('leaderboard gsm8k accuracy, all 10,000 rows', () => leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy' }), repeats);
  await time('leaderboard with filter (tags.stage = "sft" and lr < 1e-3)', () =>
    leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', top: 20, filter: 'tags.stage = "sft" and params.learning_rate < 1e-3' }), repeats);
  await time('leaderboard training loss (last), top 20', () => leaderboard({ store, metric: 'loss', top: 20 }), repeats);
  await time('leaderboard grouped by config (seeds pooled), top 20', () => leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy', top: 20, groupBy: 'config' }), repeats);
  await time('compareExperiments of 5 runs', () => compareExperiments(['exp_00000', 'exp_00001', 'exp_00002', 'exp_00003', 'exp_00004'], { store }), repeats);
  const all = await time('  store alone: getAllExperiments() of 10,000', () => store.getAllExperiments(), repeats);
  await time('  store alone: 10,000 x getEvaluationResults(id, b)', async () => {
    for (const e of await store.getAllExperiments()) await store.getEvaluationResults(e.id, 'gsm8k');
  }, repeats);
  process.stdout.write(`target: leaderboard top 20 over ${EXPERIMENTS} experiments < ${TARGET_MS} ms: ${top20 < TARGET_MS ? 'met' : 'NOT met'} (${top20.toFixed(1)} ms; listing the runs alone takes ${all.toFixed(1)} ms)\n`);
  return top20;
}

await suite('SQLite store (:memory:), through the ExperimentReader API', sqlite, 3);
await suite('MemoryBackend, through the ExperimentReader API', memory, 5);
await sqlite.close();
