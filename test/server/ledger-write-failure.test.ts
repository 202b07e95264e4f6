import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeliveryLedger, type LedgerEntry } from '../../src/backends/http/ledger.js';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-ledger-failure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const batch = (sequence: number): LedgerEntry => ({ session: 'sess', sequence, body: `{"sequence":${sequence}}` });
const sequencesIn = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => (JSON.parse(line) as LedgerEntry).sequence);

describe('DeliveryLedger after a failed write', () => {
  it('keeps writing: the next write puts the whole queue down again, and written() tells the truth in between', async () => {
    const ledgerDir = join(dir, 'a');
    const file = join(ledgerDir, 'sess.jsonl');
    const ledger = await DeliveryLedger.open(ledgerDir, 'sess');
    const queue = [batch(1)];
    await ledger.spill(queue);
    expect(sequencesIn(file)).toEqual([1]);

    // The file's place is taken by a directory: the append of batch 2 fails (EISDIR).
    rmSync(file);
    mkdirSync(file);
    queue.push(batch(2));
    await ledger.append(batch(2), () => queue);
    expect(await ledger.written()).toBe(false);
    expect(ledger.writeError?.message).toMatch(/EISDIR/);

    // The place is free again: the next batch's write repairs the file with every batch that waits.
    rmSync(file, { recursive: true });
    queue.push(batch(3));
    await ledger.append(batch(3), () => queue);
    expect(await ledger.written()).toBe(true);
    expect(ledger.writeError).toBeUndefined();
    expect(sequencesIn(file)).toEqual([1, 2, 3]);

    queue.push(batch(4));
    await ledger.append(batch(4), () => queue);
    expect(sequencesIn(file)).toEqual([1, 2, 3, 4]);
  });

  it('adopts a batch written twice (appended, then again with the queue) once', async () => {
    const ledgerDir = join(dir, 'b');
    mkdirSync(ledgerDir);
    const dead = JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() });
    const lines = [dead, ...[1, 2, 1, 2, 3].map((n) => JSON.stringify({ ...batch(n), session: 'gone' }))];
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(ledgerDir, 'gone.jsonl'), `${lines.join('\n')}\n`);
    const ledger = await DeliveryLedger.open(ledgerDir, 'sess');
    expect((await ledger.adoptOrphans()).map((e) => e.sequence)).toEqual([1, 2, 3]);
  });
});
