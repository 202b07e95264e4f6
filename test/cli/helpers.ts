import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

/** The built package the tests run: this repository (after `npm run build`), or EXPTRACK_BUILT. */
export const BUILT = resolve(process.env.EXPTRACK_BUILT ?? fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(BUILT, 'dist/cli/bin.js');

/** Fails the suite early, with the fix, when the CLI was not built. */
export function requireBuild(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the CLI tests`);
}

export function tempDir(prefix = 'exptrack-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The environment of a CLI child: no colour forced, no inherited exptrack variables. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('EXPTRACK_') && k !== 'FORCE_COLOR' && k !== 'NO_COLOR') env[k] = v;
  return { ...env, ...extra };
}

/** Runs the built CLI to completion. */
export function cli(args: readonly string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: childEnv(options.env), cwd: options.cwd, input: options.input ?? '' });
}

/** Runs the built CLI and parses its JSON output, failing with its stderr otherwise. */
export function cliJson<T = any>(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): T {
  const r = cli([...args, '--json'], options);
  if (r.status !== 0) throw new Error(`exptrack ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A running CLI child (for tests that serve HTTP in this process, which spawnSync would block). */
export function cliAsync(args: readonly string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolvePromise) =>
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** A store with three runs, as the tracker writes them: config, training curves, evaluations with per-sample rows. */
export async function makeStore(db: string): Promise<string[]> {
  const ids: string[] = [];
  const runs: Array<[number, number]> = [[1e-4, 0.62], [5e-5, 0.71], [1e-5, 0.55]];
  for (const [k, [lr, acc]] of runs.entries()) {
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: db })], captureGit: false, handleProcessEvents: false });
    ids.push(await tracker.startExperiment({ learning_rate: lr, lora_rank: 8, seed: 0 }, { name: `lr${lr}`, tags: { stage: 'sft' }, group: 'sweep' }));
    for (let s = 0; s < 50; s++) tracker.logMetrics({ loss: 1 / (s + 1) + k * 0.01 }, s);
    // Item i is right when i / 200 < acc, so the better run is right on a superset of items.
    const samples = Array.from({ length: 200 }, (_, i) => ({ id: `q${i}`, correct: i / 200 < acc }));
    await tracker.logEvaluation('gsm8k', { metrics: { accuracy: samples.filter((s) => s.correct).length / 200 }, samples });
    await tracker.finishExperiment({ status: 'completed' });
    await tracker.close();
  }
  return ids;
}
