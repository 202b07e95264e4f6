// Runs against the built package (dist/), as users get it: `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';

const dist = join(import.meta.dirname, '../../dist');

/** A training script: 1,000 points, then prints finishExperiment()'s reports. */
function script(path: string, load: (subpath: string) => string): string {
  return `
const { ExperimentTracker } = ${load('index')};
const { SqliteBackend } = ${load('sqlite')};
(async () => {
  const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: ${JSON.stringify(path)} })], captureGit: false });
  const id = await tracker.startExperiment({});
  for (let i = 0; i < 1000; i++) tracker.logMetrics({ loss: i }, i);
  const reports = await tracker.finishExperiment();
  await tracker.close();
  process.stdout.write(JSON.stringify({ id, reports }));
})();`;
}

async function storedPoints(path: string, id: string): Promise<{ status: string | undefined; points: number }> {
  const store = new SqliteBackend({ path, fileMustExist: true });
  try {
    return { status: (await store.getExperiment(id))?.status, points: (await store.getMetrics(id, 'loss')).length };
  } finally {
    await store.close();
  }
}

const tempStore = () => join(mkdtempSync(join(tmpdir(), 'exptrack-thread-')), 'runs.db');

describe('the sqlite write thread starts, or writes go on without it', { timeout: 30_000 }, () => {
  it('`node --input-type=module -e <script>`: the thread does not inherit --input-type, and every point is stored', async () => {
    const path = tempStore();
    const code = script(path, (s) => `await import(${JSON.stringify(join(dist, `${s}.js`))})`).replace('(async () => {', '').replace(/\}\)\(\);$/, '');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).toBe('');
    const { id, reports } = JSON.parse(child.stdout) as { id: string; reports: Array<{ ok: boolean }> };
    expect(reports).toEqual([{ backend: 'sqlite', ok: true }]);
    expect(await storedPoints(path, id)).toEqual({ status: 'completed', points: 1000 });
  });

  it('a thread that cannot start: the points are written on the main thread, and stderr says so once', async () => {
    const path = tempStore();
    // Every Worker of this process dies at once, as one whose loader or flags break it would.
    const breakWorkers = `const threads = require('node:worker_threads');
const Real = threads.Worker;
threads.Worker = class extends Real { constructor() { super('process.exit(7)', { eval: true }); } };`;
    const code = `${breakWorkers}\n${script(path, (s) => `require(${JSON.stringify(join(dist, `${s}.cjs`))})`)}`;
    const child = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).toMatch(/Warning: the sqlite write thread could not start \(it exited with code 7 before it was ready\); writing on the main thread instead/);
    expect(child.stderr.match(/could not start/g)).toHaveLength(1);
    const { id, reports } = JSON.parse(child.stdout) as { id: string; reports: Array<{ ok: boolean }> };
    expect(reports).toEqual([{ backend: 'sqlite', ok: true }]);
    expect(await storedPoints(path, id)).toEqual({ status: 'completed', points: 1000 });
  });
});
