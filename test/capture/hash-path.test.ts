import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { ExptrackError } from '../../src/core/errors.js';
import { hashPath } from '../../src/capture/hash-path.js';
import { cleanup, tempDir, write } from './git-fixtures.js';

const made: string[] = [];
afterAll(() => cleanup(...made));

function dir(files: Record<string, string | Buffer> = {}): string {
  const root = tempDir('exptrack-hash-');
  made.push(root);
  write(root, files);
  return root;
}

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The listing hash computed independently: sorted `<sha>  <path>\n` lines. */
function expectedDirHash(files: Record<string, string | Buffer>): string {
  const paths = Object.keys(files).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return sha(paths.map((p) => `${sha(files[p] ?? '')}  ${p}\n`).join(''));
}

describe('hashPath', () => {
  it('hashes a file with SHA-256', async () => {
    const content = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => i % 251));
    const root = dir({ 'model.bin': content });
    expect(await hashPath(join(root, 'model.bin'))).toEqual({ sizeBytes: content.length, sha256: sha(content), fileCount: 1 });
  });

  it('hashes an empty file', async () => {
    const root = dir({ empty: '' });
    expect(await hashPath(join(root, 'empty'))).toEqual({ sizeBytes: 0, sha256: sha(''), fileCount: 1 });
  });

  it('hashes a directory as the sorted listing of relative posix paths and file hashes', async () => {
    const files = { 'b.txt': 'bee', 'a/z.bin': Buffer.from([0, 1, 2]), 'a/b/c.json': '{}', 'A.txt': 'upper', 'a-b': 'dash' };
    const root = dir(files);
    expect(await hashPath(root)).toEqual({ sizeBytes: 3 + 3 + 2 + 5 + 4, sha256: expectedDirHash(files), fileCount: 5 });
  });

  it('agrees with sha256sum over the sorted file list', async () => {
    const root = dir({ 'x/1.txt': '1\n', 'x/2.txt': '2\n', 'top.txt': 'top\n', 'y z/w.txt': 'space\n' });
    let shell: string;
    try {
      shell = execFileSync('sh', ['-c', "find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum"], {
        cwd: root,
        encoding: 'utf8',
      });
    } catch {
      return; // sha256sum or GNU find not available: the listing test above covers the format
    }
    expect((await hashPath(root)).sha256).toBe(shell.split(' ')[0]);
  });

  it('changes when content, a name or the set of files changes', async () => {
    const base = { 'a.txt': 'a', 'b.txt': 'b' };
    const h0 = (await hashPath(dir(base))).sha256;
    expect((await hashPath(dir(base))).sha256).toBe(h0);
    expect((await hashPath(dir({ 'a.txt': 'a', 'b.txt': 'B' }))).sha256).not.toBe(h0);
    expect((await hashPath(dir({ 'a.txt': 'a', 'c.txt': 'b' }))).sha256).not.toBe(h0);
    expect((await hashPath(dir({ ...base, 'c.txt': '' }))).sha256).not.toBe(h0);
  });

  it('hashes an empty directory as the hash of an empty listing', async () => {
    expect(await hashPath(dir())).toEqual({ sizeBytes: 0, sha256: sha(''), fileCount: 0 });
  });

  it('follows a symlink to a file inside the directory, not links outside or to directories', async () => {
    const outside = dir({ 'secret.bin': 'outside content' });
    const root = dir({ 'blobs/w.bin': 'weights', 'sub/f.txt': 'f' });
    symlinkSync('../blobs/w.bin', join(root, 'sub', 'model.bin'));
    symlinkSync(join(outside, 'secret.bin'), join(root, 'out.bin'));
    symlinkSync('blobs', join(root, 'blobs-link'));
    symlinkSync('nowhere', join(root, 'dangling'));
    const result = await hashPath(root);
    const lines = [
      `${sha('blobs')}  blobs-link\n`, // '-' sorts before '/' in byte order
      `${sha('weights')}  blobs/w.bin\n`,
      `${sha('nowhere')}  dangling\n`,
      `${sha(join(outside, 'secret.bin'))}  out.bin\n`,
      `${sha('f')}  sub/f.txt\n`,
      `${sha('weights')}  sub/model.bin\n`,
    ];
    expect(result).toEqual({ sizeBytes: 7 + 1 + 7, sha256: sha(lines.join('')), fileCount: 3 });
    // The content outside does not matter; only the link text does.
    writeFileSync(join(outside, 'secret.bin'), 'changed');
    expect((await hashPath(root)).sha256).toBe(result.sha256);
  });

  it('follows a symlink given as the path itself', async () => {
    const root = dir({ 'real.bin': 'data' });
    symlinkSync(join(root, 'real.bin'), join(root, 'link.bin'));
    expect(await hashPath(join(root, 'link.bin'))).toEqual({ sizeBytes: 4, sha256: sha('data'), fileCount: 1 });
  });

  it('fails with not_found naming the path when it does not exist', async () => {
    const missing = join(dir(), 'nope', 'ckpt.pt');
    const error = await hashPath(missing).catch((e: unknown) => e);
    expect(ExptrackError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'not_found', field: 'path', value: missing });
  });

  it('hashes many files with bounded concurrency and a stable result', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`shard-${String(i).padStart(3, '0')}/part.txt`] = `part ${i}\n`;
    const root = dir(files);
    mkdirSync(join(root, 'empty-dir'));
    const result = await hashPath(root);
    expect(result.fileCount).toBe(300);
    expect(result.sha256).toBe(expectedDirHash(files));
  });
});
