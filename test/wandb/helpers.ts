import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExperimentTracker, type ExptrackError, type TrackerErrorContext } from 'exptrack';
import { MemoryBackend } from 'exptrack/memory';
import { WandbBackend, type WandbBackendConfig } from 'exptrack/wandb';
import type { FakeWandbServer } from './fake-wandb-server.js';

export const ENTITY = 'team';
export const PROJECT = 'exptrack-tests';

/** Fast retry settings, so fault tests take milliseconds, not minutes. */
export const FAST: Partial<WandbBackendConfig> = {
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  requestTimeoutMs: 1_000,
  reconnectDelayMs: 50,
  // Deadlines long enough for a loaded machine; tests about deadlines set their own.
  flushTimeoutMs: 2_000,
  closeTimeoutMs: 5_000,
};

/** A temporary ledger directory, removed by the returned function. */
export function tempLedgerDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'exptrack-wandb-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A tracker writing to a MemoryBackend (the local store) and a WandbBackend aimed at `server`. */
export function trackerWithWandb(server: FakeWandbServer, ledgerDir: string, extra: Partial<WandbBackendConfig> & { flushIntervalMs?: number } = {}) {
  const { flushIntervalMs, ...wandbExtra } = extra;
  const memory = new MemoryBackend();
  const wandb = new WandbBackend({ project: PROJECT, entity: ENTITY, baseUrl: server.url, apiKey: server.state.apiKey, ledgerDir, ...FAST, ...wandbExtra });
  const errors: Array<{ error: ExptrackError; context: TrackerErrorContext }> = [];
  const tracker = new ExperimentTracker({
    backends: [memory, wandb],
    captureGit: false,
    captureEnvironment: false,
    handleProcessEvents: false,
    flushIntervalMs: flushIntervalMs ?? 20,
    onError: (error, context) => errors.push({ error, context }),
  });
  return { tracker, memory, wandb, errors };
}

/** Lets timers and sockets run. */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
