import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpBackend } from 'exptrack/http';
import { SqliteBackend } from 'exptrack/sqlite';
import { serve } from '../fixtures/tracking-server.js';
import { freePort } from '../fixtures/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HttpBackend ledger (Node)', () => {
  it('keeps what a process could not deliver, and the next backend with that ledgerDir delivers it exactly once', async () => {
    const ledgerDir = join(dir, 'ledger');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../fixtures/ledger-child.ts'), url, ledgerDir, 'exp_ledger'], { encoding: 'utf8' });
    expect(JSON.parse(out).message).toMatch(/3 batches could not be delivered.*kept in/);
    expect(readdirSync(ledgerDir).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);

    const served = await serve(new SqliteBackend({ path: join(dir, 'runs.db') }), { port });
    try {
      // Twice: the second adopter finds nothing left; a replay of delivered batches would be skipped anyway.
      for (let i = 0; i < 2; i++) {
        const backend = new HttpBackend({ url, ledgerDir });
        await backend.init();
        await backend.flush();
        await backend.close();
      }
      expect(readdirSync(ledgerDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
      const points = await served.store.getMetrics('exp_ledger', 'loss');
      expect(points.map((p) => p.step)).toEqual([0, 1, 2]);
      expect(Number.isNaN(points[1]!.value)).toBe(true);
    } finally {
      await served.stop();
    }
  });
});
