import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { startFakeOpenAIServer, type FakeServer } from '../eval/helpers/fake-openai-server.js';
import { cliAsync, requireBuild, tempDir } from './helpers.js';

// 40 GSM8K-style items written for this test; the server answers the even ones right.
const TEST = Array.from({ length: 40 }, (_, i) => ({ question: `Item ${i}: what is ${i} + ${i}?`, answer: `${i} + ${i} = <<${i}+${i}=${2 * i}>>${2 * i}\n#### ${2 * i}` }));
const TRAIN = Array.from({ length: 5 }, (_, i) => ({ question: `Warm-up ${i}: what is ${i} + 1?`, answer: `${i} + 1 = <<${i}+1=${i + 1}>>${i + 1}\n#### ${i + 1}` }));

let server: FakeServer;
let dir: string;
let db: string;

function answer(prompt: string): string {
  const m = /Item (\d+): what is \d+ \+ \d+\?\nAnswer:$/.exec(prompt);
  if (!m) return 'no idea';
  const i = Number(m[1]);
  return i % 2 === 0 ? `It is ${2 * i}.\n#### ${2 * i}` : `It is ${2 * i + 1}.\n#### ${2 * i + 1}`;
}

beforeAll(async () => {
  requireBuild();
  dir = tempDir('exptrack-cli-eval-');
  db = join(dir, 'runs.db');
  writeFileSync(join(dir, 'test.jsonl'), TEST.map((t) => JSON.stringify(t)).join('\n') + '\n');
  writeFileSync(join(dir, 'train.jsonl'), TRAIN.map((t) => JSON.stringify(t)).join('\n') + '\n');
  server = await startFakeOpenAIServer((req) => ({ text: answer(req.prompt), latencyMs: 60 }));
});

afterAll(async () => {
  await server?.close();
});

const until = async (check: () => boolean, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('exptrack eval', () => {
  it('stops cleanly on SIGINT keeping the responses, and --resume finishes without asking again', async () => {
    const args = ['eval', 'gsm8k', '--model', 'toy', '--base-url', server.baseURL, '--data', dir, '--concurrency', '2', '--db', db, '--json'];
    const first = cliAsync(args);
    await until(() => server.requests.length >= 10);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    const report = JSON.parse(stopped.stdout);
    expect(report).toMatchObject({ benchmark: 'gsm8k', model: 'toy', interrupted: true, total: 40 });
    expect(report.done).toBeGreaterThanOrEqual(8);
    expect(report.done).toBeLessThan(40);
    expect(stopped.stderr).toContain(`interrupted after ${report.done}/40 items`);
    expect(stopped.stderr).toContain('--resume');
    expect(stopped.stderr).toMatch(/\d+\/40 \| accuracy [\d.-]+ \| [\d.]+\/s/); // the progress line

    let store = new SqliteBackend({ path: db });
    const killed = await store.getExperiment(report.experimentId);
    expect(killed!.status).toBe('killed');
    expect(await store.getEvaluationResults(report.experimentId)).toEqual([]);
    await store.close();

    const asked = server.requests.length;
    const second = cliAsync(['eval', 'gsm8k', '--model', 'toy', '--base-url', server.baseURL, '--data', dir, '--concurrency', '2', '--resume', '--db', db, '--json']);
    const finished = await second.done;
    expect(finished.code, finished.stderr).toBe(0);
    const result = JSON.parse(finished.stdout);
    expect(result).toMatchObject({ experimentId: report.experimentId, interrupted: false, resumed: true });
    expect(result.metrics.accuracy).toBe(0.5);
    expect(result.metrics.accuracy_stderr).toBeGreaterThan(0);
    expect(result.counts.rows).toBe(40);
    expect(result.counts.cached).toBeGreaterThanOrEqual(report.done);
    // Only what had no response yet was asked again.
    expect(server.requests.length - asked).toBe(40 - result.counts.cached);

    store = new SqliteBackend({ path: db });
    const done = await store.getExperiment(report.experimentId);
    expect(done!.status).toBe('completed');
    expect(done!.tags).toEqual({ eval_benchmark: 'gsm8k', eval_model: 'toy' });
    const evaluations = await store.getEvaluationResults(report.experimentId);
    expect(evaluations).toHaveLength(1);
    expect(evaluations[0]!.sampleCount).toBe(40);
    await store.close();
  });

  it('logs into an existing experiment without changing its status, and an unknown benchmark is exit 1', async () => {
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: db })], captureGit: false, handleProcessEvents: false });
    await tracker.startExperiment({ learning_rate: 0.1 }, { name: 'trained' });
    const existing = { id: tracker.experimentId as string };
    await tracker.finishExperiment();
    await tracker.close();
    const r = cliAsync(['eval', 'gsm8k', '--model', 'toy', '--base-url', server.baseURL, '--data', dir, '--limit', '4', '--experiment', existing!.id, '--db', db]);
    const out = await r.done;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/accuracy\s+0\.50\s+0\.29\s+\[/);
    expect(out.stdout).toContain(`logged into experiment ${existing!.id} (status left as it was)`);
    const after = new SqliteBackend({ path: db });
    expect(await after.getEvaluationResults(existing!.id)).toHaveLength(1);
    expect((await after.getExperiment(existing!.id))!.status).toBe('completed');
    await after.close();
    const unknown = await cliAsync(['eval', 'nope', '--model', 'toy', '--base-url', server.baseURL, '--db', db]).done;
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^exptrack: unknown benchmark "nope" \(known: .*gsm8k/);
  });
});
