import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';

// A training run pointed at a store it may not write: the file, its directory, or both read-only.
// Root may write anything, so as root the training process runs as `nobody`.
const child = join(import.meta.dirname, '../fixtures/pg-writer-child.ts');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

// The test run's temporary root is private (0700): let `nobody` pass through it, without listing it.
const root = tmpdir();
const rootMode = statSync(root).mode & 0o7777;
if (isRoot) chmodSync(root, rootMode | 0o001);
afterAll(() => chmodSync(root, rootMode));

/** A store holding one finished run, in a directory of its own. */
async function existingStore(): Promise<{ dir: string; path: string }> {
  const dir = mkdtempSync(join(root, 'exptrack-read-only-'));
  const path = join(dir, 'runs.db');
  const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path })], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
  await tracker.run({ lr: 1 }, () => tracker.logMetrics({ loss: 1 }, 0));
  await tracker.close();
  return { dir, path };
}

describe('a store the training process may not write', { timeout: 60_000 }, () => {
  it.each([
    // A file this user may not write is refused before SQLite opens it (which would leave a -wal
    // and -shm where the directory lets it); a writable file in a read-only directory is SQLite's to refuse.
    { name: 'a read-only file in a writable directory', fileMode: 0o444, dirMode: 0o777, refusal: /^unavailable: sqlite store .*runs\.db: this user may not write the file \(EACCES\); it was left untouched$/ },
    { name: 'a writable file in a read-only directory', fileMode: 0o666, dirMode: 0o555, refusal: /^unavailable: sqlite store .*runs\.db: attempt to write a readonly database$/ },
    { name: 'a read-only file in a read-only directory', fileMode: 0o444, dirMode: 0o555, refusal: /^unavailable: sqlite store .*runs\.db: this user may not write the file \(EACCES\); it was left untouched$/ },
  ])('$name: the script runs to its end and exits 0; the failure is reported; the file is left unchanged, nothing beside it', async ({ fileMode, dirMode, refusal }) => {
    const { dir, path } = await existingStore();
    if (isRoot) chownSync(dir, 0, 0);
    chmodSync(path, fileMode);
    chmodSync(dir, dirMode);
    const before = digest(path);
    // A temp dir of its own, where tsx may write.
    const childTemp = mkdtempSync(join(root, 'exptrack-nobody-'));
    if (isRoot) chownSync(childTemp, NOBODY, NOBODY);
    try {
      const ran = spawnSync(process.execPath, ['--import', 'tsx', child, 'sqlite', path, '1000'], {
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: childTemp },
        ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
        cwd: join(import.meta.dirname, '../..'),
      });
      expect(ran.status, ran.stderr).toBe(0);
      const { errors } = JSON.parse(ran.stdout) as { errors: string[] };
      expect(errors[0]).toMatch(refusal);
      expect(errors.at(-1)).toMatch(/^unavailable: experiment exp_\S+ finished, but backend sqlite failed: .*; no store has the whole run$/);
      expect(digest(path)).toBe(before);
      expect(readdirSync(dir).sort()).toEqual(['runs.db']);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});
