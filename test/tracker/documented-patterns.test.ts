import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';

const child = join(import.meta.dirname, '../fixtures/pattern-child.ts');

function runPattern(pattern: string, outcome: 'throw' | 'ok'): Promise<{ path: string; id: string; code: number | null; stderr: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'exptrack-pattern-')), 'runs.db');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, path, pattern, outcome], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ path, id: out.trim(), code, stderr }));
  });
}

async function stored(path: string, id: string) {
  const store = new SqliteBackend({ path, fileMustExist: true });
  try {
    return { experiment: await store.getExperiment(id), points: await store.getMetrics(id, 'loss') };
  } finally {
    await store.close();
  }
}

// Each documented way of writing a training script, run in a child process: a throw out of the
// training code ends the run failed with the error, and every point logged before it is kept.
describe('status truth in every documented pattern', { timeout: 60_000 }, () => {
  it.concurrent.each([
    ['await-using', 1],
    ['finally-dispose', 1],
    ['finally-finish', 1],
    ['nothing', 1],
    ['run-callback', 0],
  ] as const)('%s: a throw ends the run failed with its message and stack', async (pattern, exitCode) => {
    const outcome = await runPattern(pattern, 'throw');
    expect(outcome.code, outcome.stderr).toBe(exitCode);
    const { experiment, points } = await stored(outcome.path, outcome.id);
    expect(experiment?.status).toBe('failed');
    expect(experiment?.error?.message).toBe(`diverged in pattern ${pattern}`);
    expect(experiment?.error?.stack).toContain('pattern-child.ts');
    expect(points).toHaveLength(100);
  });

  it.concurrent('await using in a main() whose caller catches the error and exits non-zero: failed with the exit code (dispose never sees the error)', async () => {
    const outcome = await runPattern('await-using-in-main', 'throw');
    expect(outcome.code, outcome.stderr).toBe(2);
    const { experiment, points } = await stored(outcome.path, outcome.id);
    expect(experiment?.status).toBe('failed');
    expect(experiment?.error?.message).toBe('process exited with code 2');
    expect(points).toHaveLength(100);
  });

  it.concurrent.each(['await-using', 'finally-finish', 'run-callback'])(
    '%s: a script that returns ends the run completed',
    async (pattern) => {
      const outcome = await runPattern(pattern, 'ok');
      expect(outcome.code, outcome.stderr).toBe(0);
      const { experiment, points } = await stored(outcome.path, outcome.id);
      expect(experiment?.status).toBe('completed');
      expect(experiment?.error).toBeNull();
      expect(points).toHaveLength(100);
    },
  );

  it.concurrent('a script that sets process.exitCode without finishing ends the run failed', async () => {
    const outcome = await runPattern('exit-code-set', 'ok');
    expect(outcome.code).toBe(4);
    const { experiment } = await stored(outcome.path, outcome.id);
    expect(experiment?.status).toBe('failed');
    expect(experiment?.error?.message).toBe('process exited with code 4');
  });
});
