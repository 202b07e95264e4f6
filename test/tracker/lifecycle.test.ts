import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';

const child = join(import.meta.dirname, '../fixtures/lifecycle-child.ts');

interface Outcome {
  id: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the child; `signal` is sent once it printed its id (after its first flush). */
function runChild(scenario: string, path: string, signal?: NodeJS.Signals): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, path, scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (signal && out.includes('\n')) p.kill(signal);
    });
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('exit', (code, sig) => resolve({ id: out.trim(), code, signal: sig, stderr }));
  });
}

async function read(path: string, id: string, staleAfterMs?: number) {
  const store = new SqliteBackend({ path, ...(staleAfterMs === undefined ? {} : { staleAfterMs }) });
  try {
    return { experiment: await store.getExperiment(id), points: await store.getMetrics(id, 'loss') };
  } finally {
    await store.close();
  }
}

const tempStore = () => join(mkdtempSync(join(tmpdir(), 'exptrack-life-')), 'runs.db');

describe('run lifecycle across process ends', { timeout: 60_000 }, () => {
  it('an uncaught exception marks the run failed with the message and stack, writes the buffered points, and still crashes the process', async () => {
    const path = tempStore();
    const outcome = await runChild('throw', path);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('loss went NaN at step 600');
    const { experiment, points } = await read(path, outcome.id);
    expect(experiment?.status).toBe('failed');
    expect(experiment?.error?.message).toBe('loss went NaN at step 600');
    expect(experiment?.error?.stack).toContain('lifecycle-child.ts');
    expect(points).toHaveLength(600);
  });

  it('an unhandled rejection marks the run failed', async () => {
    const path = tempStore();
    const outcome = await runChild('reject', path);
    expect(outcome.code).toBe(1);
    const { experiment } = await read(path, outcome.id);
    expect(experiment?.status).toBe('failed');
    expect(experiment?.error?.message).toBe('data loader died');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s marks the run killed, keeps every point, and the process ends by the signal', async (signal) => {
    const path = tempStore();
    const outcome = await runChild('wait', path, signal);
    expect(outcome.signal).toBe(signal);
    const { experiment, points } = await read(path, outcome.id);
    expect(experiment?.status).toBe('killed');
    // The killed run also keeps what it used so far.
    expect(experiment?.summary).toMatchObject({ interrupted_by: signal, 'compute/wall_hours': expect.any(Number), 'compute/gpu_count': expect.any(Number), 'compute/gpu_hours': expect.any(Number) });
    expect(Object.keys(experiment?.summary ?? {}).filter((k) => !/^(compute|cost)\//.test(k))).toEqual(['interrupted_by']);
    expect(experiment?.summary['compute/wall_hours']).toBeGreaterThan(0);
    expect(points).toHaveLength(600);
  });

  it('a normal exit without finishExperiment marks the run completed', async () => {
    const path = tempStore();
    const outcome = await runChild('exit-without-finish', path);
    expect(outcome.code).toBe(0);
    const { experiment, points } = await read(path, outcome.id);
    expect(experiment?.status).toBe('completed');
    expect(points).toHaveLength(600);
  });

  it('process.exit with a non-zero code marks the run failed', async () => {
    const path = tempStore();
    const outcome = await runChild('exit-code', path);
    expect(outcome.code).toBe(3);
    const { experiment } = await read(path, outcome.id);
    expect(experiment?.status).toBe('failed');
    expect(experiment?.error?.message).toBe('process exited with code 3');
  });

  it('SIGKILL leaves every flushed point on disk, and a later open marks the run crashed once its heartbeat is stale', async () => {
    const path = tempStore();
    const outcome = await runChild('wait', path, 'SIGKILL');
    expect(outcome.signal).toBe('SIGKILL');
    const fresh = await read(path, outcome.id);
    expect(fresh.experiment?.status).toBe('running'); // its heartbeat is recent: it may be alive
    expect(fresh.points.length).toBeGreaterThanOrEqual(500);
    await new Promise((r) => setTimeout(r, 600));
    const later = await read(path, outcome.id, 500);
    expect(later.experiment?.status).toBe('crashed');
    expect(later.experiment?.endedAt).toBe(later.experiment?.heartbeatAt);
  });
});
