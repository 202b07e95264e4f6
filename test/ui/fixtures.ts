// Stores and servers for the dashboard tests: events written straight into a backend, and the
// server started on a random port.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { EvaluationSample, Experiment, ExperimentConfig, JsonValue, TrackerEvent } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { startDashboard, type DashboardOptions, type DashboardServer } from '../../src/ui/server.js';

const T0 = 1_767_225_600_000;

export function experiment(overrides: Partial<Experiment> & { id: string }): Experiment {
  return {
    name: overrides.id,
    notes: '',
    group: null,
    config: {},
    tags: {},
    status: 'completed',
    createdAt: T0,
    endedAt: T0 + 60_000,
    heartbeatAt: T0 + 60_000,
    git: null,
    environment: null,
    summary: {},
    error: null,
    ...overrides,
  };
}

export function started(id: string, config: Record<string, JsonValue>, extra: Partial<Experiment> = {}): TrackerEvent {
  return { type: 'experiment_started', experiment: experiment({ id, config: config as ExperimentConfig, ...extra }) };
}

export function curve(experimentId: string, key: string, steps: number[], values: number[]): TrackerEvent {
  return { type: 'metrics', experimentId, points: { keys: steps.map(() => key), steps, values, timestamps: steps.map((s) => T0 + s), rank: 0 } };
}

export function evaluation(experimentId: string, benchmark: string, metrics: Record<string, number>, samples: EvaluationSample[]): TrackerEvent {
  return { type: 'evaluation', experimentId, evaluation: { benchmark, metrics, metadata: {}, step: null, createdAt: T0 + 120_000 }, samples };
}

/** Item i of the `qa` benchmark; `right(i)` says whether the run answered it right. */
export function qaSamples(n: number, right: (i: number) => boolean): EvaluationSample[] {
  return Array.from({ length: n }, (_, i) => ({ id: `item-${i}`, prompt: `What is ${i} + ${i}?`, gold: String(2 * i), output: right(i) ? `The answer is ${2 * i}` : `The answer is ${2 * i + 1}`, extracted: String(right(i) ? 2 * i : 2 * i + 1), correct: right(i) }));
}

/**
 * Three runs: `exp_a` (lr 0.01, group g1) and `exp_b` (lr 0.003, group g1), completed, with a loss
 * curve of 5,000 points (one NaN), and 40 `qa` items (A right on 0..29, B right on 10..39); `exp_c`
 * is running, group g2, without evaluations.
 */
export async function demoStore(): Promise<MemoryBackend> {
  const store = new MemoryBackend();
  await store.init();
  await store.write(demoEvents());
  return store;
}

/** The events of {@link demoStore}, to write into any backend. */
export function demoEvents(): TrackerEvent[] {
  const steps = Array.from({ length: 5000 }, (_, i) => i);
  const loss = (scale: number) => steps.map((s) => (s === 5 ? NaN : scale / (1 + s / 100) + 0.01 * Math.sin(s)));
  const a = qaSamples(40, (i) => i < 30);
  const b = qaSamples(40, (i) => i >= 10);
  return [
    started('exp_a', { learning_rate: 0.01, optimizer: 'adam', model: { depth: 2 } }, { name: 'baseline', group: 'g1', tags: { stage: 'sft' }, createdAt: T0 }),
    started('exp_b', { learning_rate: 0.003, optimizer: 'adam', model: { depth: 2 } }, { name: 'slower', group: 'g1', createdAt: T0 + 1000 }),
    started('exp_c', { learning_rate: 0.1 }, { name: 'live', group: 'g2', status: 'running', endedAt: null, createdAt: T0 + 2000 }),
    curve('exp_a', 'loss', steps, loss(2)),
    curve('exp_b', 'loss', steps, loss(3)),
    curve('exp_c', 'loss', [0, 1, 2], [1, 0.9, 0.8]),
    evaluation('exp_a', 'qa', { accuracy: 30 / 40 }, a),
    evaluation('exp_b', 'qa', { accuracy: 30 / 40 }, b),
    { type: 'checkpoint', experimentId: 'exp_a', checkpoint: { experimentId: 'exp_a', path: '/ckpt/a/step-100.json', step: 100, metrics: { loss: 0.5 }, sizeBytes: 2048, sha256: 'ab'.repeat(32), fileCount: 1, createdAt: T0 + 5000 } },
  ];
}

/** A directory of fake built assets, with a secret file next to it that must never be served. */
export function fakeAssets(): string {
  const root = mkdtempSync(join(tmpdir(), 'exptrack-ui-assets-'));
  const dir = join(root, 'ui');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>exptrack</title>');
  writeFileSync(join(dir, 'app.js'), 'export {};');
  writeFileSync(join(dir, 'app.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), 'TOP SECRET');
  return dir;
}

/** Starts a dashboard on a random port. */
export function serve(options: Omit<DashboardOptions, 'port'> & { port?: number }): Promise<DashboardServer> {
  return startDashboard({ port: 0, ...options });
}

/** Streams for `buildCli(io)` in this process, with what was written to each. */
export function cliIo(env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { io: { stdout, stderr, stdin: new PassThrough(), env }, out: () => out, err: () => err };
}
