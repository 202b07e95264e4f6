import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { cli, cliJson, requireBuild, tempDir } from './helpers.js';

const dir = tempDir('exptrack-cli-artifacts-');
const db = join(dir, 'runs.db');
let id = '';
let other = '';

beforeAll(async () => {
  requireBuild();
  const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: db })], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
  id = await tracker.startExperiment({}, { name: 'producer' });
  writeFileSync(join(dir, 'model.bin'), 'version one');
  await tracker.logArtifact(join(dir, 'model.bin'), { name: 'model', type: 'model' });
  writeFileSync(join(dir, 'model.bin'), 'version two!');
  await tracker.logArtifact(join(dir, 'model.bin'), { name: 'model', type: 'model' });
  mkdirSync(join(dir, 'ckpt/sub'), { recursive: true });
  writeFileSync(join(dir, 'ckpt/config.json'), '{"a":1}');
  writeFileSync(join(dir, 'ckpt/sub/w.bin'), 'weights');
  await tracker.logArtifact(join(dir, 'ckpt'), { name: 'checkpoint\u001b[31m' });
  await tracker.finishExperiment();
  other = await tracker.startExperiment({}, { name: 'consumer' });
  writeFileSync(join(dir, 'only-here.bin'), 'x'.repeat(5000));
  await tracker.logArtifact(join(dir, 'only-here.bin'));
  await tracker.useArtifact(id, 'model');
  await tracker.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exptrack artifacts', () => {
  it('lists name, version, type, size and digest, with lineage in --json', () => {
    const listed = cliJson<{ artifacts: Array<{ name: string; version: number; type: string | null; size: number; digest: string }>; lineage: { usedBy: Array<{ experimentId: string }> } }>(['artifacts', id, '--db', db]);
    expect(listed.artifacts.map((a) => [a.name, a.version, a.type, a.size])).toEqual([['checkpoint\u001b[31m', 1, null, 14], ['model', 1, 'model', 11], ['model', 2, 'model', 12]]);
    expect(listed.artifacts.every((a) => /^sha256:[0-9a-f]{64}$/.test(a.digest))).toBe(true);
    expect(listed.lineage.usedBy.map((u) => u.experimentId)).toEqual([other]);
    const text = cli(['artifacts', id, '--db', db]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('checkpoint?[31m');
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).toMatch(/model\s+2\s+model\s+file\s+12 B/);
  });

  it('get writes the latest version, a named version, and a file of a directory', () => {
    const out = join(dir, 'out.bin');
    expect(cli(['artifacts', 'get', id, 'model', '--output', out, '--db', db]).status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('version two!');
    expect(cli(['artifacts', 'get', id, 'model', '--version', '1', '--output', join(dir, 'v1.bin'), '--db', db]).status).toBe(0);
    expect(readFileSync(join(dir, 'v1.bin'), 'utf8')).toBe('version one');
    expect(cli(['artifacts', 'get', id, 'checkpoint\u001b[31m', '--file', 'sub/w.bin', '--output', join(dir, 'w.bin'), '--db', db]).status).toBe(0);
    expect(readFileSync(join(dir, 'w.bin'), 'utf8')).toBe('weights');
  });

  it('get fails with a message, and leaves no file, for an unknown version or a directory without --file; --output is required', () => {
    const missing = cli(['artifacts', 'get', id, 'model', '--version', '9', '--output', join(dir, 'none.bin'), '--db', db]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('has no version 9');
    expect(existsSync(join(dir, 'none.bin'))).toBe(false);
    const directory = cli(['artifacts', 'get', id, 'checkpoint\u001b[31m', '--output', join(dir, 'd.bin'), '--db', db]);
    expect(directory.status).toBe(1);
    expect(directory.stderr).toContain('pass { file }');
    expect(cli(['artifacts', 'get', id, 'model', '--db', db]).status).toBe(2);
  });
});

describe('exptrack gc', () => {
  it('is a dry run by default, deletes with --yes, and frees only what no run refers to', () => {
    expect(cli(['gc', '--db', db]).stdout).toContain('nothing to free');
    expect(cli(['delete', other, '--yes', '--db', db]).status).toBe(0);
    const dry = cliJson<{ blobs: number; bytes: number; deleted: boolean }>(['gc', '--db', db]);
    expect(dry).toMatchObject({ blobs: 1, bytes: 5000, deleted: false });
    expect(cli(['gc', '--db', db]).stdout).toContain('would free 1 unreferenced blob');
    const done = cli(['gc', '--yes', '--db', db]);
    expect(done.stdout).toMatch(/deleted 1 unreferenced blob, 4\.9 KB|deleted 1 unreferenced blob/);
    expect(cliJson<{ blobs: number }>(['gc', '--db', db]).blobs).toBe(0);
    expect(cli(['artifacts', 'get', id, 'model', '--output', join(dir, 'still.bin'), '--db', db]).status).toBe(0);
  });
});

describe('exptrack export --artifacts / import', () => {
  it('carries artifact bytes and media into another store; without the bytes, says what it left out', async () => {
    const source = join(dir, 'media.db');
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: source })], captureGit: false, captureEnvironment: false, handleProcessEvents: false });
    const run = await tracker.startExperiment({}, { name: 'with media' });
    writeFileSync(join(dir, 'weights.bin'), 'w'.repeat(3000));
    await tracker.logArtifact(join(dir, 'weights.bin'), { name: 'weights' });
    tracker.logTable('preds', { columns: ['q'], rows: [['<b>x</b>']] }, { step: 1 });
    tracker.logHistogram('w', [1, 2, 3], 1);
    await tracker.logImage('img', Buffer.from('89504e470d0a1a0a0000', 'hex'), { step: 1 });
    await tracker.close();

    const out = join(dir, 'dump.json');
    expect(cli(['export', run, '--artifacts', '--db', source]).status).toBe(2);
    const exported = cliJson<{ artifacts: { blobs: number; bytes: number } }>(['export', run, '--artifacts', '--output', out, '--db', source]);
    expect(exported.artifacts).toMatchObject({ blobs: 2, bytes: 3010 });

    const target = join(dir, 'target.db');
    const imported = cliJson<{ imported: string[]; withoutBytes: number }>(['import', out, '--db', target]);
    expect(imported).toMatchObject({ imported: [run], withoutBytes: 0 });
    const store = new SqliteBackend({ path: target });
    expect(Buffer.from(await store.readArtifact(run, 'weights')).toString()).toBe('w'.repeat(3000));
    expect(Buffer.from(await store.readMedia(run, 'img', { step: 1 })).toString('hex')).toBe('89504e470d0a1a0a0000');
    expect((await store.getMedia(run, 'preds'))[0]).toMatchObject({ kind: 'table', value: { columns: ['q'], rows: [['<b>x</b>']] } });
    expect((await store.getMedia(run, 'w'))[0]).toMatchObject({ kind: 'histogram' });
    await store.close();

    rmSync(`${out}.artifacts`, { recursive: true, force: true });
    const bare = cli(['import', out, '--db', join(dir, 'bare.db')]);
    expect(bare.status).toBe(0);
    expect(bare.stderr).toContain('left out 2 artifacts and images');
  });
});
