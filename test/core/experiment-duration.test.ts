import { describe, expect, it } from 'vitest';
import type { Experiment } from 'exptrack';
import { experimentDuration } from 'exptrack/analysis';
import { MemoryBackend } from 'exptrack/memory';
import { SqliteBackend } from 'exptrack/sqlite';
import { makeExperiment } from 'exptrack/testing';
import { listedExperiment } from '../../src/cli/commands/shared.js';

const T = 1_700_000_000_000;
/** Every way a run's end is known: ended, running (now), ended without saying when (heartbeat), never beat. */
const runs: Experiment[] = [
  makeExperiment({ id: 'exp_ended', createdAt: T, endedAt: T + 5_000, heartbeatAt: T + 4_000, status: 'completed' }),
  makeExperiment({ id: 'exp_running', createdAt: T + 1, endedAt: null, heartbeatAt: T + 2, status: 'running' }),
  makeExperiment({ id: 'exp_heartbeat', createdAt: T + 2, endedAt: null, heartbeatAt: T + 3_002, status: 'crashed' }),
  makeExperiment({ id: 'exp_never_beat', createdAt: T + 3, endedAt: null, heartbeatAt: null, status: 'failed' }),
];

describe('experiment duration, defined once', () => {
  it('is the end (ended, now if running, last heartbeat, start) minus the start', () => {
    const now = T + 10_000;
    expect(runs.map((r) => experimentDuration(r, now))).toEqual([5_000, 9_999, 3_000, 0]);
    expect(runs.map((r) => listedExperiment(r, {}, now, {}).durationMs)).toEqual([5_000, 9_999, 3_000, 0]);
  });

  it('sorts the same in SQL (SQLite) as in memory, and as the CLI computes it', async () => {
    const sqlite = new SqliteBackend({ path: ':memory:', staleAfterMs: Number.MAX_SAFE_INTEGER });
    const memory = new MemoryBackend();
    for (const store of [sqlite, memory]) await store.write(runs.map((experiment) => ({ type: 'experiment_started' as const, experiment })));
    const now = Date.now();
    const byCli = [...runs].sort((a, b) => listedExperiment(a, {}, now, {}).durationMs - listedExperiment(b, {}, now, {}).durationMs).map((r) => r.id);
    expect(byCli).toEqual(['exp_never_beat', 'exp_heartbeat', 'exp_ended', 'exp_running']);
    for (const store of [sqlite, memory]) expect((await store.getAllExperiments({ sort: 'duration' })).map((e) => e.id)).toEqual(byCli);
    await sqlite.close();
  });
});
