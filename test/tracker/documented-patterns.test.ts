import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childStoreSkipReason, openChildStore, type ChildStoreName } from '../fixtures/child-stores.js';
import { runChild } from '../fixtures/run-child.js';
import { expectOutcome, shownStatus, type Outcome } from '../fixtures/run-outcome.js';

const child = join(import.meta.dirname, '../fixtures/pattern-child.ts');

interface Case {
  pattern: string;
  run: 'throw' | 'ok';
  exitCode: number;
  outcome: Record<ChildStoreName, Outcome>;
}

const thrown = (pattern: string): Outcome => ({ status: 'failed', error: `diverged in pattern ${pattern}`, stack: true, points: 100 });
const exited = (code: number): Outcome => ({ status: 'failed', error: `process exited with code ${code}`, points: 100 });
const completed: Outcome = { status: 'completed', error: null, points: 100 };
const wandbCompleted: Outcome = { ...completed, wandbExitCode: 0 };
/** SQLite, memory and Postgres (through its write thread) take a dying process's last words synchronously: they share every outcome. */
const writtenSync = (outcome: Outcome) => ({ sqlite: outcome, memory: outcome, postgres: outcome });

// Each documented way of writing a training script, run in a child process, against each store.
// W&B sits behind an asynchronous HTTP client, which an exiting process cannot wait for: a failure
// recorded after the run was disposed or finished never reaches it (the run stays `completed`), and
// a run never finished keeps only what was delivered before.
const CASES: Case[] = [
  ...(['await-using', 'finally-dispose', 'finally-finish'] as const).map((pattern) => ({
    pattern,
    run: 'throw' as const,
    exitCode: 1,
    outcome: { ...writtenSync(thrown(pattern)), wandb: wandbCompleted },
  })),
  {
    pattern: 'nothing',
    run: 'throw',
    exitCode: 1,
    // W&B never sees the run complete (it marks a run whose heartbeat stopped crashed on its own); its
    // summary says `running` if one went out before the process died.
    outcome: { ...writtenSync(thrown('nothing')), wandb: { status: ['running', undefined], error: null, points: 0, wandbExitCode: null } },
  },
  {
    pattern: 'run-callback',
    run: 'throw',
    exitCode: 0,
    outcome: { ...writtenSync(thrown('run-callback')), wandb: { status: 'failed', error: null, points: 100, wandbExitCode: 1 } },
  },
  {
    pattern: 'await-using-in-main',
    run: 'throw',
    exitCode: 2,
    outcome: { ...writtenSync(exited(2)), wandb: wandbCompleted },
  },
  ...(['await-using', 'finally-finish', 'run-callback'] as const).map((pattern) => ({
    pattern,
    run: 'ok' as const,
    exitCode: 0,
    outcome: { ...writtenSync(completed), wandb: wandbCompleted },
  })),
  {
    pattern: 'exit-code-set',
    run: 'ok',
    exitCode: 4,
    outcome: { ...writtenSync(exited(4)), wandb: { status: 'failed', error: null, points: 100, wandbExitCode: 1 } },
  },
];

const STORES: ChildStoreName[] = ['sqlite', 'memory', 'postgres', 'wandb'];
const STALE_AFTER_MS = 500;

describe('status truth in every documented pattern', { timeout: 90_000 }, () => {
  for (const store of STORES) {
    const skip = childStoreSkipReason(store);
    describe.skipIf(skip !== undefined)(skip === undefined ? store : `${store} (skipped: ${skip})`, () => {
      it.concurrent.each(CASES.map((c) => [`${c.pattern}, ${c.run === 'throw' ? 'the training code throws' : 'the script returns'}: ${shownStatus(c.outcome[store].status)}`, c] as const))('%s', async (_name, c) => {
        const expected = c.outcome[store];
        const opened = await openChildStore(store);
        try {
          const ended = await runChild(child, [c.pattern, c.run, ...opened.args]);
          expect(ended.code, ended.stderr).toBe(c.exitCode);
          if (expected.status === 'crashed') await new Promise((r) => setTimeout(r, STALE_AFTER_MS + 100));
          const stored = await opened.read(ended.id, STALE_AFTER_MS);
          expectOutcome(stored, expected, store, 'pattern-child.ts');
        } finally {
          await opened.remove();
        }
      });
    });
  }
});
