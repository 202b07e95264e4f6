/**
 * How fast `exptrack list` answers on a store of 10,000 experiments, run as a user runs it: the
 * built CLI (`npm run build` first) in a child process. Each experiment carries what a real run
 * records (git state, environment with package versions), three training metrics and one
 * evaluation, so the key-metrics column does real work.
 *
 *   npm run build && npx tsx bench/cli.ts [--experiments 10000] [--runs 7]
 *
 * Prints the median wall time and the median CPU time (user + system) of the CLI process, which
 * the budget (< 300 ms of process time) is about, next to those of `node -e ''` alone (the
 * floor on this machine), and the smallest CPU time seen. `list` shows the newest 50 (the default);
 * `list --all` prints every one. The cases take turns (run 1 of each, then run 2 of each...), so a
 * change in the machine's load touches them all alike; the load average is printed before and after.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Experiment, TrackerEvent } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

const { values } = parseArgs({ options: { experiments: { type: 'string', default: '10000' }, runs: { type: 'string', default: '7' }, db: { type: 'string' } } });
const count = Number(values.experiments);
const runs = Number(values.runs);
const bin = resolve(process.env.EXPTRACK_BUILT ?? '.', 'dist/cli/bin.js');
if (!existsSync(bin)) throw new Error('dist/cli/bin.js is missing: run `npm run build` first');

const db = values.db ?? join(mkdtempSync(join(tmpdir(), 'exptrack-bench-cli-')), 'bench.db');
if (!existsSync(db) || values.db === undefined) await fill(db, count);

// A preload that reports the process's CPU time when it exits.
const probe = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\nCPU_MS '+((u.user+u.system)/1000)+'\\n')})`;
const cases: [string, string[]][] = [
  ['node alone', []],
  ['list', ['list']],
  ['list --all', ['list', '--all']],
  ['list --json', ['list', '--json']],
  ['list --limit 20', ['list', '--limit', '20']],
  ['list --filter', ['list', '--filter', 'params.learning_rate < 0.001']],
];
console.log(`store: ${db} (${count} experiments), ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log(`load average before: ${loadAverage()}`);
const wall = new Map<string, number[]>(cases.map(([label]) => [label, []]));
const cpu = new Map<string, number[]>(cases.map(([label]) => [label, []]));
const lines = new Map<string, number>();
for (let i = 0; i < runs; i++) {
  for (const [label, args] of cases) {
    const t0 = performance.now();
    const argv = args.length === 0 ? ['--import', probe, '-e', ''] : ['--import', probe, bin, ...args, '--db', db];
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
    wall.get(label)!.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${label} exited ${r.status}: ${r.stderr}`);
    const m = /CPU_MS ([\d.]+)/.exec(r.stderr);
    if (m) cpu.get(label)!.push(Number(m[1]));
    lines.set(label, r.stdout.split('\n').length);
  }
}
for (const [label] of cases) {
  const times = cpu.get(label)!;
  console.log(`${label.padEnd(16)} median wall ${median(wall.get(label)!).toFixed(0)} ms, median CPU ${median(times).toFixed(0)} ms, min CPU ${Math.min(...times).toFixed(0)} ms (${lines.get(label)} output lines)`);
}
console.log(`load average after: ${loadAverage()}`);

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(', ');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Writes `n` experiments straight through the backend's batched write path. */
async function fill(path: string, n: number): Promise<void> {
  const store = new SqliteBackend({ path });
  await store.init();
  const packages = Object.fromEntries(['better-sqlite3', 'kysely', 'zod', 'commander', 'picocolors', 'vitest', 'typescript', 'tsx', 'esbuild', 'tsup'].map((p, i) => [p, `1.${i}.0`]));
  const started = Date.now() - n * 60_000;
  let batch: TrackerEvent[] = [];
  for (let i = 0; i < n; i++) {
    const id = `exp_bench_${String(i).padStart(6, '0')}`;
    const createdAt = started + i * 60_000;
    const experiment: Experiment = {
      id,
      name: `run-${i}`,
      notes: '',
      group: `sweep-${i % 20}`,
      config: { learning_rate: 10 ** -(2 + (i % 4)), batch_size: 32, hidden_size: 64 * (1 + (i % 3)), seed: i % 5, model: 'mlp', optimizer: 'adam' },
      tags: { stage: i % 2 ? 'sft' : 'pretrain' },
      status: 'completed',
      createdAt,
      endedAt: createdAt + 45_000,
      heartbeatAt: createdAt + 45_000,
      git: { commit: 'a'.repeat(40), branch: 'main', remoteUrl: 'https://example.com/repo.git', dirty: i % 3 === 0, changedFiles: ['train.ts'], untrackedCount: 1, patch: null, patchTruncated: false, root: '/home/user/repo', via: 'git-cli' },
      environment: {
        argv: ['/usr/bin/node', '/home/user/repo/train.ts', '--lr', '0.001'], cwd: '/home/user/repo', nodeVersion: 'v20.20.2', platform: 'linux', osRelease: '6.1.0', arch: 'x64',
        cpuModel: 'AMD EPYC', cpuCount: 2, totalMemoryBytes: 8e9, hostname: 'box', user: 'user', pid: 1000 + i, packages, env: { NODE_ENV: 'production' },
      },
      summary: { best_accuracy: 0.5 + (i % 50) / 100 },
      error: null,
    };
    batch.push({ type: 'experiment_started', experiment });
    const keys: string[] = [];
    const steps: number[] = [];
    const vals: number[] = [];
    for (let s = 0; s < 10; s++) for (const k of ['loss', 'accuracy', 'lr']) keys.push(k), steps.push(s), vals.push(1 / (s + 1));
    batch.push({ type: 'metrics', experimentId: id, points: { keys, steps, values: vals, timestamps: keys.map(() => createdAt), rank: 0 } });
    batch.push({ type: 'evaluation', experimentId: id, evaluation: { benchmark: 'gsm8k', metrics: { accuracy: 0.4 + (i % 40) / 100, accuracy_stderr: 0.01 }, metadata: {}, step: null, createdAt: createdAt + 40_000 }, samples: [] });
    if (batch.length >= 1500) {
      await store.write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await store.write(batch);
  await store.close();
}
