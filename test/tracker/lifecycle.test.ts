import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childStoreSkipReason, openChildStore, type ChildStoreName } from '../fixtures/child-stores.js';
import { runChild } from '../fixtures/run-child.js';
import { expectOutcome, shownStatus, type Outcome } from '../fixtures/run-outcome.js';

const child = join(import.meta.dirname, '../fixtures/lifecycle-child.ts');

// The child logs 500 points, flushes, logs 100 more that stay buffered, prints its id, then ends
// as its scenario says.

interface Case {
  name: string;
  scenario: string;
  signal?: NodeJS.Signals;
  /** The process's exit code, or the signal it ended by. */
  ends: number | NodeJS.Signals;
  /** What the child's stderr shows (Node's report of an uncaught error, the tracker's warnings). */
  stderr?: RegExp;
  outcome: Partial<Record<ChildStoreName, Outcome>>;
}

/** SQLite, memory and Postgres (through its write thread) take a dying process's last words synchronously: they share every outcome. */
const writtenSync = (outcome: Outcome) => ({ sqlite: outcome, memory: outcome, postgres: outcome });
/**
 * W&B keeps the rows the flush delivered and never sees the run complete (it marks a run whose
 * heartbeat stopped crashed on its own). Its summary, sent every few seconds, says `running` if one
 * went out before the process died, else there is none.
 */
const wandbVanished: Outcome = { status: ['running', undefined], error: null, points: 499, wandbExitCode: null };
const killed = (signal: NodeJS.Signals): Outcome => ({ status: 'killed', error: null, points: 600, wandbExitCode: signal === 'SIGINT' ? 130 : 143 });

const CASES: Case[] = [
  {
    name: 'an uncaught exception (thrown from a timer): the process still crashes',
    scenario: 'throw',
    ends: 1,
    stderr: /Error: loss went NaN at step 600/,
    outcome: { ...writtenSync({ status: 'failed', error: 'loss went NaN at step 600', stack: true, points: 600 }), wandb: wandbVanished },
  },
  {
    name: 'an unhandled rejection',
    scenario: 'reject',
    ends: 1,
    outcome: { ...writtenSync({ status: 'failed', error: 'data loader died', stack: true, points: 600 }), wandb: wandbVanished },
  },
  ...(['SIGINT', 'SIGTERM'] as const).map((signal) => ({
    name: `${signal}: the process ends by the signal`,
    scenario: 'wait',
    signal,
    ends: signal,
    // The signal handler waits (up to 5 s) for the stores that write asynchronously.
    outcome: { ...writtenSync(killed(signal)), wandb: killed(signal) },
  })),
  {
    name: 'a normal exit without finishExperiment (the event loop runs dry)',
    scenario: 'exit-without-finish',
    ends: 0,
    stderr: /exptrack: experiment exp_\S+ was not finished before the process exited; marking it completed/,
    outcome: { ...writtenSync({ status: 'completed', error: null, points: 600 }), wandb: { status: 'completed', error: null, points: 600, wandbExitCode: 0 } },
  },
  {
    name: 'process.exit(3)',
    scenario: 'exit-code',
    ends: 3,
    outcome: { ...writtenSync({ status: 'failed', error: 'process exited with code 3', points: 600 }), wandb: wandbVanished },
  },
];

const STORES: ChildStoreName[] = ['sqlite', 'memory', 'postgres', 'wandb'];
const STALE_AFTER_MS = 500;

describe('run lifecycle across process ends', { timeout: 90_000 }, () => {
  for (const store of STORES) {
    const skip = childStoreSkipReason(store);
    const cases = CASES.filter((c) => c.outcome[store] !== undefined);
    describe.skipIf(skip !== undefined)(skip === undefined ? store : `${store} (skipped: ${skip})`, () => {
      it.concurrent.each(cases.map((c) => [`${c.name}: ${shownStatus(c.outcome[store]!.status)}`, c] as const))('%s', async (_name, c) => {
        const expected = c.outcome[store]!;
        const opened = await openChildStore(store);
        try {
          const ended = await runChild(child, [c.scenario, ...opened.args], c.signal);
          expect(typeof c.ends === 'number' ? ended.code : ended.signal, ended.stderr).toBe(c.ends);
          if (c.stderr) expect(ended.stderr).toMatch(c.stderr);
          if (expected.status === 'crashed') await new Promise((r) => setTimeout(r, STALE_AFTER_MS + 100));
          const stored = await opened.read(ended.id, STALE_AFTER_MS);
          expectOutcome(stored, expected, store, 'lifecycle-child.ts');
          if (c.signal !== undefined) {
            // A killed run says by what, and keeps what it used so far.
            expect(stored.summary).toMatchObject({ interrupted_by: c.signal, 'compute/wall_hours': expect.any(Number), 'compute/gpu_count': expect.any(Number), 'compute/gpu_hours': expect.any(Number) });
            expect(stored.summary['compute/wall_hours']).toBeGreaterThan(0);
            if (store !== 'wandb') expect(Object.keys(stored.summary).filter((k) => !/^(compute|cost)\//.test(k))).toEqual(['interrupted_by']);
          }
        } finally {
          await opened.remove();
        }
      });
    });
  }

  it('SIGKILL (sqlite) leaves every flushed point on disk, and a later open marks the run crashed once its heartbeat is stale', async () => {
    const opened = await openChildStore('sqlite');
    try {
      const ended = await runChild(child, ['wait', ...opened.args], 'SIGKILL');
      expect(ended.signal).toBe('SIGKILL');
      const fresh = await opened.read(ended.id);
      expect(fresh.status).toBe('running'); // its heartbeat is recent: it may be alive
      expect(fresh.points).toBeGreaterThanOrEqual(500);
      await new Promise((r) => setTimeout(r, STALE_AFTER_MS + 100));
      const later = await opened.read(ended.id, STALE_AFTER_MS);
      expect(later.status).toBe('crashed');
      expect(later.endedAt).toBe(later.heartbeatAt);
    } finally {
      await opened.remove();
    }
  });

  it('SIGKILL (wandb): W&B keeps the rows delivered before, was last told running, and never sees the run complete', async () => {
    const opened = await openChildStore('wandb');
    try {
      const ended = await runChild(child, ['wait', ...opened.args], 'SIGKILL');
      expect(ended.signal).toBe('SIGKILL');
      const stored = await opened.read(ended.id);
      expect(['running', undefined]).toContain(stored.status); // W&B marks a run whose heartbeat stopped crashed on its own
      expect(stored.wandbExitCode).toBeNull();
      // The flush before the id delivered steps 0..498 (step 499's row waits for the next step); a flush
      // timer that fired before the kill may have sent more, never all 600.
      expect(stored.points).toBeGreaterThanOrEqual(499);
      expect(stored.points).toBeLessThan(600);
    } finally {
      await opened.remove();
    }
  });
});
