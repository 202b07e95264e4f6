import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentTracker, ExptrackError } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { createTestTracker } from 'exptrack/testing';

const dir = mkdtempSync(join(tmpdir(), 'exptrack-artifacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082', 'hex');

function duSize(root: string): number {
  let total = 0;
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

describe('tracker.logArtifact', () => {
  it('versions a name by its bytes: same bytes keep the version, other bytes make the next', async () => {
    const { tracker, backend, errors } = createTestTracker();
    const id = await tracker.startExperiment();
    const file = join(dir, 'model.bin');
    writeFileSync(file, 'one');
    const first = await tracker.logArtifact(file, { name: 'model', type: 'model', metadata: { params: 3 }, step: 5 });
    const again = await tracker.logArtifact(file, { name: 'model' });
    writeFileSync(file, 'two');
    const second = await tracker.logArtifact(file, { name: 'model' });
    expect(first).toEqual({ name: 'model', version: 1, digest: 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed', size: 3, files: [{ path: 'model.bin', digest: 'sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed', size: 3 }] });
    expect(again?.version).toBe(1);
    expect(second?.version).toBe(2);
    const listed = await backend.getArtifacts(id);
    expect(listed.map((a) => [a.name, a.version, a.type, a.step])).toEqual([['model', 1, 'model', 5], ['model', 2, null, null]]);
    expect(Buffer.from(await backend.readArtifact(id, 'model')).toString()).toBe('two');
    expect(Buffer.from(await backend.readArtifact(id, 'model', { version: 1 })).toString()).toBe('one');
    expect(errors).toEqual([]);
    await tracker.close();
  });

  it('logs a directory under a canonical manifest digest that does not depend on the order files were made', async () => {
    const make = (name: string, order: string[]) => {
      const root = join(dir, name);
      mkdirSync(join(root, 'sub'), { recursive: true });
      for (const f of order) writeFileSync(join(root, f), `content of ${f}`);
      return root;
    };
    const { tracker, backend } = createTestTracker();
    const id = await tracker.startExperiment();
    const a = await tracker.logArtifact(make('ckpt-a', ['b.txt', 'sub/c.txt', 'a.txt']), { name: 'a' });
    const b = await tracker.logArtifact(make('ckpt-b', ['sub/c.txt', 'a.txt', 'b.txt']), { name: 'b' });
    expect(a?.digest).toBe(b?.digest);
    expect(a?.files.map((f) => f.path)).toEqual(['a.txt', 'b.txt', 'sub/c.txt']);
    expect(Buffer.from(await backend.readArtifact(id, 'a', { file: 'sub/c.txt' })).toString()).toBe('content of sub/c.txt');
    expect((await backend.getArtifacts(id))[0]?.kind).toBe('directory');
    await tracker.close();
  });

  it('reports a missing path and bad options to onError, never throwing into the loop; strict mode throws', async () => {
    const { tracker, errors } = createTestTracker();
    await tracker.startExperiment();
    await expect(tracker.logArtifact(join(dir, 'missing.bin'))).resolves.toBeUndefined();
    await expect(tracker.logArtifact(join(dir, 'model.bin'), { metadata: { bad: NaN } as never })).resolves.toBeUndefined();
    expect(errors.map((e) => [e.code, e.field])).toEqual([['not_found', 'path'], ['invalid_input', 'options.metadata.bad']]);
    await tracker.close();
    const strict = createTestTracker({ strict: true });
    await strict.tracker.startExperiment();
    await expect(strict.tracker.logArtifact(join(dir, 'missing.bin'))).rejects.toSatisfy((e) => ExptrackError.is(e) && e.code === 'not_found');
    await strict.tracker.close();
  });

  it('useArtifact records lineage; an unknown artifact is reported', async () => {
    const { tracker, backend, errors } = createTestTracker();
    const producer = await tracker.startExperiment();
    writeFileSync(join(dir, 'weights.bin'), 'w');
    await tracker.logArtifact(join(dir, 'weights.bin'), { name: 'weights' });
    await tracker.finishExperiment();
    const consumer = await tracker.startExperiment();
    const used = await tracker.useArtifact(producer, 'weights');
    expect(used?.version).toBe(1);
    expect(await tracker.useArtifact(producer, 'nothing')).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['not_found']);
    const lineage = await backend.getArtifactLineage(producer);
    expect(lineage.usedBy.map((u) => [u.experimentId, u.name, u.version])).toEqual([[consumer, 'weights', 1]]);
    await tracker.close();
  });

  it('two runs logging the same 4 MB file grow the SQLite blob directory by 4 MB once', async () => {
    const path = join(dir, 'dedupe.db');
    const store = new SqliteBackend({ path });
    const tracker = new ExperimentTracker({ backends: [store], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    const file = join(dir, 'four-mb.bin');
    const bytes = randomBytes(4 * 1024 * 1024);
    writeFileSync(file, bytes);
    const ids: string[] = [];
    for (let run = 0; run < 2; run++) {
      ids.push(await tracker.startExperiment({ run }));
      await tracker.logArtifact(file, { name: 'model' });
      await tracker.finishExperiment();
    }
    expect(duSize(join(dir, 'dedupe.db.artifacts'))).toBe(bytes.length);
    for (const id of ids) expect(Buffer.from(await store.readArtifact(id, 'model')).equals(bytes)).toBe(true);
    await tracker.close();
  });
});

describe('tracker media', () => {
  it('logs images (bytes or path), tables and histograms per step and reads them back', async () => {
    const { tracker, backend, errors } = createTestTracker();
    const id = await tracker.startExperiment();
    writeFileSync(join(dir, 'img.png'), PNG);
    await tracker.logImage('samples', PNG, { step: 0, caption: 'first' });
    await tracker.logImage('samples', join(dir, 'img.png'), { step: 10 });
    tracker.logMetrics({ loss: 1 }, 7);
    tracker.logTable('preds', { columns: ['q', 'a'], rows: [['<b>x</b>', 1]] });
    tracker.logHistogram('w', [0, 1, 1, 2, NaN], 3, { bins: 2 });
    await tracker.flush();
    expect((await backend.getMedia(id, 'samples')).map((m) => [m.step, m.kind, m.caption])).toEqual([[0, 'image', 'first'], [10, 'image', undefined]]);
    expect(Buffer.from(await backend.readMedia(id, 'samples', { step: 10 })).equals(PNG)).toBe(true);
    const [table] = await backend.getMedia(id, 'preds');
    expect(table).toMatchObject({ step: 7, kind: 'table', value: { columns: ['q', 'a'], rows: [['<b>x</b>', 1]] } });
    const [histogram] = await backend.getMedia(id, 'w');
    expect(histogram).toMatchObject({ step: 3, kind: 'histogram', value: { edges: [0, 1, 2], counts: [1, 3], nonFinite: 1 } });
    expect(errors).toEqual([]);
    await tracker.close();
  });

  it('bins 64 by default and refuses what is not an image, a table or numbers', async () => {
    const { tracker, backend, errors } = createTestTracker();
    const id = await tracker.startExperiment();
    tracker.logHistogram('w', Float64Array.from({ length: 1000 }, (_, i) => i), 0);
    await tracker.logImage('img', Buffer.from('<svg onload=alert(1)>'), { step: 0 });
    tracker.logTable('t', { columns: ['a', 'a'], rows: [] });
    tracker.logTable('t', { columns: ['a'], rows: [[1, 2]] });
    tracker.logHistogram('w', ['1'] as never, 1);
    await tracker.flush();
    const [h] = await backend.getMedia(id, 'w');
    expect(h?.kind === 'histogram' && [h.value.counts.length, h.value.edges.length, h.value.counts.reduce((a, b) => a + b)]).toEqual([64, 65, 1000]);
    expect(errors.map((e) => e.field)).toEqual(['image', 'table.columns', 'table.rows[0]', 'values']);
    expect(await backend.getMediaKeys(id)).toEqual([{ key: 'w', kind: 'histogram', count: 1 }]);
    await tracker.close();
  });
});

describe('sqlite store of the previous release', () => {
  it('opens, gains the artifact tables and keeps its runs', async () => {
    const path = join(dir, 'old.db');
    const old = new SqliteBackend({ path });
    const { makeExperiment } = await import('exptrack/testing');
    const e = makeExperiment();
    await old.write([{ type: 'experiment_started', experiment: e }]);
    await old.close();
    // Turn it back into a 0001 store: what every store written before this release looks like.
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.exec("DROP TABLE artifacts; DROP TABLE artifact_files; DROP TABLE artifact_uses; DROP TABLE media; DROP TABLE group_records; DELETE FROM kysely_migration WHERE name >= '0003'");
    db.close();
    const reopened = new SqliteBackend({ path });
    expect((await reopened.getExperiment(e.id))?.id).toBe(e.id);
    writeFileSync(join(dir, 'old.bin'), 'old');
    const tracker = new ExperimentTracker({ backends: [reopened], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    await tracker.resumeExperiment(e.id);
    expect((await tracker.logArtifact(join(dir, 'old.bin')))?.version).toBe(1);
    expect(Buffer.from(await reopened.readArtifact(e.id, 'old.bin')).toString()).toBe('old');
    await tracker.close();
  });
});
