import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

const tempDir = () => mkdtempSync(join(tmpdir(), 'exptrack-sqlite-'));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('sqlite store files', () => {
  it('refuses a file that is not a database, and leaves it untouched', async () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'my precious notes\n'.repeat(100));
    const before = sha(path);
    await expect(new SqliteBackend({ path }).init()).rejects.toMatchObject({ code: 'not_an_exptrack_store', field: 'path', value: path });
    expect(sha(path)).toBe(before);
  });

  it('refuses a SQLite database of another application, and leaves it untouched', async () => {
    const path = join(tempDir(), 'other.db');
    const other = new Database(path);
    other.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)");
    other.close();
    const before = sha(path);
    await expect(new SqliteBackend({ path }).init()).rejects.toMatchObject({ code: 'not_an_exptrack_store' });
    expect(sha(path)).toBe(before);
  });

  it('reports a corrupt store with a typed error', async () => {
    const path = join(tempDir(), 'runs.db');
    const store = new SqliteBackend({ path });
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    await tracker.startExperiment({});
    for (let s = 0; s < 5000; s++) tracker.logMetrics({ loss: s }, s);
    await tracker.close();
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 4096, bytes.length); // every page after the first is garbage
    writeFileSync(path, bytes);
    const reader = new SqliteBackend({ path });
    const failure = await reader.init().then(() => reader.getAllExperiments()).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'corrupt_store' });
    await reader.close();
  });

  it('does not create a missing file when asked to read only', async () => {
    const path = join(tempDir(), 'missing.db');
    await expect(new SqliteBackend({ path, fileMustExist: true }).init()).rejects.toMatchObject({ code: 'not_found', value: path });
  });

  it('uses EXPTRACK_DB when no backend is given, loading the SQLite backend only then', async () => {
    const path = join(tempDir(), 'default.db');
    const previous = process.env.EXPTRACK_DB;
    process.env.EXPTRACK_DB = path;
    try {
      const tracker = new ExperimentTracker({ captureGit: false, handleProcessEvents: false });
      expect(tracker.backends).toEqual([]);
      const id = await tracker.startExperiment({ learning_rate: 0.5 });
      expect(tracker.backends.map((b) => b.name)).toEqual(['sqlite']);
      await tracker.close();
      const store = new SqliteBackend({ path });
      expect((await store.getExperiment(id))?.config).toEqual({ learning_rate: 0.5 });
      await store.close();
    } finally {
      if (previous === undefined) delete process.env.EXPTRACK_DB;
      else process.env.EXPTRACK_DB = previous;
    }
  });
});

describe('several processes writing into one file', { timeout: 120_000 }, () => {
  it('4 writers at once: every point arrives, no "database is locked" escapes', async () => {
    const path = join(tempDir(), 'shared.db');
    const perWriter = 20_000;
    const results = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<{ id: string; errors: string[] }>((resolve, reject) => {
            const child = join(import.meta.dirname, '../fixtures/writer-child.ts');
            const p = spawn(process.execPath, ['--import', 'tsx', child, path, String(perWriter)], { stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            p.stdout.on('data', (d) => (out += d));
            p.stderr.on('data', (d) => (err += d));
            p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`writer exited ${code}: ${err}`))));
          }),
      ),
    );
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    const store = new SqliteBackend({ path });
    for (const { id } of results) {
      const loss = await store.getMetrics(id, 'loss');
      expect(loss).toHaveLength(perWriter);
      expect(new Set(loss.map((p) => p.step)).size).toBe(perWriter);
      expect((await store.getMetrics(id, 'acc')).length).toBe(perWriter);
      expect((await store.getExperiment(id))?.status).toBe('completed');
      expect((await store.getEvaluationSamples(id)).length).toBe(1);
    }
    expect((await store.getStats()).metricPoints).toBe(4 * 2 * perWriter);
    await store.close();
  });
});
