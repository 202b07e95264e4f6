import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { ExptrackError } from '../../src/core/errors.js';
import type { GitInfo } from '../../src/core/types.js';
import { captureGit } from '../../src/capture/git.js';
import { cleanup, git, makeRepo, tempDir, write } from './git-fixtures.js';

const made: string[] = [];
afterAll(() => cleanup(...made));

function repo(files?: Record<string, string | Buffer>): string {
  const root = makeRepo(files);
  made.push(root);
  return root;
}

/** Content and executable bit of each path, or null where the path does not exist. */
function snapshot(root: string, paths: Iterable<string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const path of [...new Set(paths)].sort()) {
    const abs = join(root, path);
    if (!existsSync(abs)) {
      out[path] = null;
      continue;
    }
    const exec = (statSync(abs).mode & 0o111) !== 0 ? 'x' : '-';
    out[path] = `${exec}:${readFileSync(abs).toString('hex')}`;
  }
  return out;
}

/** Clones `root` at `info.commit`, applies `info.patch` with `git apply`, and returns the clone. */
function restore(root: string, info: GitInfo): string {
  const clone = tempDir('exptrack-restore-');
  made.push(clone);
  git(clone, 'clone', '-q', '--no-checkout', root, '.');
  git(clone, 'checkout', '-q', '--detach', info.commit);
  if (info.patch !== null && info.patch !== '') {
    const patchFile = join(tempDir('exptrack-patch-'), 'run.patch');
    made.push(join(patchFile, '..'));
    writeFileSync(patchFile, info.patch);
    git(clone, 'apply', '--whitespace=nowarn', patchFile);
  }
  return clone;
}

/** Every path tracked in HEAD or the index of `root`, plus the captured changed files. */
function trackedPaths(root: string, info: GitInfo): string[] {
  const head = git(root, 'ls-tree', '-r', '--name-only', '-z', 'HEAD').split('\0');
  const index = git(root, 'ls-files', '-z').split('\0');
  return [...head, ...index, ...info.changedFiles].filter((p) => p !== '');
}

/** Bytes and mtime of .git/index, and the names in .git, to check that capture writes nothing. */
function gitDirState(root: string): { index: string; mtimeNs: bigint; names: string[] } {
  const indexPath = join(root, '.git', 'index');
  return {
    index: readFileSync(indexPath).toString('hex'),
    mtimeNs: statSync(indexPath, { bigint: true }).mtimeNs,
    names: readdirSync(join(root, '.git')).sort(),
  };
}

const VIAS = ['git-cli', 'isomorphic-git'] as const;

describe.each(VIAS)('captureGit via %s', (via) => {
  const capture = (cwd: string, extra: Parameters<typeof captureGit>[1] = {}) => captureGit(cwd, { via, ...extra });

  it('returns null outside a git repository', async () => {
    const dir = tempDir();
    made.push(dir);
    expect(await capture(dir)).toBeNull();
  });

  it('returns null inside the .git directory', async () => {
    const root = repo();
    expect(await capture(join(root, '.git'))).toBeNull();
    expect(await capture(join(root, '.git', 'refs'))).toBeNull();
  });

  it('returns null in a repository without a commit', async () => {
    const root = repo({});
    write(root, { 'a.txt': 'a\n' });
    git(root, 'add', 'a.txt');
    expect(await capture(root)).toBeNull();
  });

  it('reports a clean work tree', async () => {
    const root = repo();
    const info = await capture(root);
    expect(info).toEqual({
      commit: git(root, 'rev-parse', 'HEAD'),
      branch: 'main',
      remoteUrl: null,
      dirty: false,
      changedFiles: [],
      untrackedCount: 0,
      patch: null,
      patchTruncated: false,
      root,
      via,
    });
    expect(info?.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reports a modified tracked file, with a patch that restores it', async () => {
    const root = repo();
    write(root, { 'src/a.txt': 'one\nTWO\nthree\n' });
    const info = await capture(root);
    expect(info?.dirty).toBe(true);
    expect(info?.changedFiles).toEqual(['src/a.txt']);
    expect(info?.untrackedCount).toBe(0);
    expect(info?.patch).toContain('src/a.txt');
    expect(info?.patchTruncated).toBe(false);
    const clone = restore(root, info!);
    expect(snapshot(clone, trackedPaths(root, info!))).toEqual(snapshot(root, trackedPaths(root, info!)));
  });

  it('counts staged changes and staged new files as dirty', async () => {
    const root = repo();
    write(root, { 'src/a.txt': 'one\ntwo\nthree\nfour\n', 'new/file.txt': 'new\n' });
    git(root, 'add', 'src/a.txt', 'new/file.txt');
    const info = await capture(root);
    expect(info?.dirty).toBe(true);
    expect(info?.changedFiles).toEqual(['new/file.txt', 'src/a.txt']);
    expect(info?.untrackedCount).toBe(0);
    const clone = restore(root, info!);
    expect(readFileSync(join(clone, 'new/file.txt'), 'utf8')).toBe('new\n');
    expect(snapshot(clone, trackedPaths(root, info!))).toEqual(snapshot(root, trackedPaths(root, info!)));
  });

  it('includes both staged and unstaged edits of one file in the patch (work tree vs HEAD)', async () => {
    const root = repo();
    write(root, { 'src/a.txt': 'zero\none\ntwo\nthree\n' });
    git(root, 'add', 'src/a.txt');
    write(root, { 'src/a.txt': 'zero\none\ntwo\nthree\nfour\n' });
    const info = await capture(root);
    expect(info?.changedFiles).toEqual(['src/a.txt']);
    const clone = restore(root, info!);
    expect(readFileSync(join(clone, 'src/a.txt'), 'utf8')).toBe('zero\none\ntwo\nthree\nfour\n');
  });

  it('reports deleted files, unstaged and staged', async () => {
    const root = repo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    rmSync(join(root, 'a.txt'));
    git(root, 'rm', '-q', 'b.txt');
    const info = await capture(root);
    expect(info?.dirty).toBe(true);
    expect(info?.changedFiles).toEqual(['a.txt', 'b.txt']);
    const clone = restore(root, info!);
    expect(existsSync(join(clone, 'a.txt'))).toBe(false);
    expect(existsSync(join(clone, 'b.txt'))).toBe(false);
    expect(readFileSync(join(clone, 'c.txt'), 'utf8')).toBe('c\n');
  });

  it('counts untracked files apart and ignores ignored ones', async () => {
    const root = repo({ '.gitignore': 'build/\n*.log\n', 'a.txt': 'a\n' });
    write(root, { 'notes.md': 'n\n', 'data/x.csv': '1\n', 'data/y.csv': '2\n', 'build/out.js': '', 'run.log': '' });
    const info = await capture(root);
    expect(info?.dirty).toBe(false);
    expect(info?.changedFiles).toEqual([]);
    expect(info?.untrackedCount).toBe(3);
    expect(info?.patch).toBeNull();
  });

  it('reports a detached HEAD with a null branch', async () => {
    const root = repo();
    const first = git(root, 'rev-parse', 'HEAD');
    write(root, { 'b.txt': 'b\n' });
    git(root, 'add', 'b.txt');
    git(root, 'commit', '-q', '-m', 'second');
    git(root, 'checkout', '-q', '--detach', first);
    const info = await capture(root);
    expect(info?.branch).toBeNull();
    expect(info?.commit).toBe(first);
    expect(info?.dirty).toBe(false);
  });

  it('strips credentials from the origin remote', async () => {
    const root = repo();
    git(root, 'remote', 'add', 'upstream', 'git@example.com:other/x.git');
    git(root, 'remote', 'add', 'origin', 'https://user:s3cret-token@example.com/team/x.git');
    const info = await capture(root);
    expect(info?.remoteUrl).toBe('https://example.com/team/x.git');
    expect(JSON.stringify(info)).not.toContain('s3cret-token');
  });

  it('keeps an scp-style remote and uses the first remote when there is no origin', async () => {
    const root = repo();
    git(root, 'remote', 'add', 'upstream', 'git@example.com:team/x.git');
    expect((await capture(root))?.remoteUrl).toBe('git@example.com:team/x.git');
  });

  it('finds the repository root from a subdirectory', async () => {
    const root = repo();
    write(root, { 'src/a.txt': 'changed\n' });
    const info = await capture(join(root, 'src'));
    expect(info?.root).toBe(root);
    expect(info?.changedFiles).toEqual(['src/a.txt']);
  });

  it('restores binary changes, executable bits, spaces in names and symlinks with git apply', async () => {
    const binary = Buffer.from([0, 1, 2, 3, 255, 254, 0, 10, 13, 0]);
    const root = repo({ 'bin/model.bin': binary, 'run.sh': 'echo hi\n', 'with space.txt': 'x\n', 'keep.txt': 'k\n' });
    write(root, { 'bin/model.bin': Buffer.concat([binary, Buffer.from([7, 0, 7])]), 'bin/new.bin': Buffer.from([0, 0, 9]) });
    write(root, { 'with space.txt': 'y\n' });
    chmodSync(join(root, 'run.sh'), 0o755);
    symlinkSync('keep.txt', join(root, 'link'));
    git(root, 'add', 'bin/new.bin', 'link');
    const info = await capture(root);
    expect(info?.changedFiles).toEqual(['bin/model.bin', 'bin/new.bin', 'link', 'run.sh', 'with space.txt']);
    const clone = restore(root, info!);
    expect(snapshot(clone, trackedPaths(root, info!))).toEqual(snapshot(root, trackedPaths(root, info!)));
  });

  it('handles non-ASCII and quote-worthy file names', async () => {
    const root = repo({ 'café/naïve.txt': 'a\n', 'tab\there.txt': 't\n', 'quote"d.txt': 'q\n' });
    write(root, { 'café/naïve.txt': 'b\n', 'tab\there.txt': 'T\n', 'quote"d.txt': 'Q\n', 'café/new.txt': 'n\n' });
    git(root, 'add', 'café/new.txt');
    const info = await capture(root);
    expect(info?.changedFiles).toEqual(['café/naïve.txt', 'café/new.txt', 'quote"d.txt', 'tab\there.txt']);
    const clone = restore(root, info!);
    expect(snapshot(clone, trackedPaths(root, info!))).toEqual(snapshot(root, trackedPaths(root, info!)));
  });

  it('handles a renamed (moved) file as a deletion and an addition', async () => {
    const root = repo({ 'old.txt': 'content\n', 'other.txt': 'o\n' });
    git(root, 'mv', 'old.txt', 'new.txt');
    const info = await capture(root);
    expect(info?.changedFiles).toEqual(['new.txt', 'old.txt']);
    const clone = restore(root, info!);
    expect(existsSync(join(clone, 'old.txt'))).toBe(false);
    expect(readFileSync(join(clone, 'new.txt'), 'utf8')).toBe('content\n');
  });

  it('cuts the patch at a file boundary when it passes the cap', async () => {
    const root = repo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    write(root, { 'a.txt': 'A\n'.repeat(100), 'b.txt': 'B\n'.repeat(5000), 'c.txt': 'C\n' });
    const full = await capture(root);
    expect(full?.patchTruncated).toBe(false);
    const info = await capture(root, { maxPatchBytes: 2000 });
    expect(info?.patchTruncated).toBe(true);
    expect(Buffer.byteLength(info?.patch ?? '')).toBeLessThanOrEqual(2000);
    expect(info?.patch).toContain('a/a.txt');
    expect(info?.patch).not.toContain('a/b.txt');
    expect(full?.patch?.startsWith(info?.patch ?? 'x')).toBe(true);
    expect(info?.changedFiles).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('reports an intent-to-add file (git add -N) as changed and restores it', async () => {
    const root = repo();
    write(root, { 'planned.txt': 'later\n' });
    git(root, 'add', '-N', 'planned.txt');
    const info = await capture(root);
    expect(info?.changedFiles).toEqual(['planned.txt']);
    expect(info?.untrackedCount).toBe(0);
    const clone = restore(root, info!);
    expect(readFileSync(join(clone, 'planned.txt'), 'utf8')).toBe('later\n');
  });

  it('reads packed objects and packed refs (after git gc)', async () => {
    const root = repo({ 'a.txt': 'one\n'.repeat(100), 'dir/b.bin': Buffer.from([0, 9, 8, 7]), 'dir/c.txt': 'c\n' });
    write(root, { 'dir/c.txt': 'c2\n' });
    git(root, 'add', 'dir/c.txt');
    git(root, 'commit', '-q', '-m', 'second');
    git(root, 'gc', '-q', '--prune=now');
    expect(existsSync(join(root, '.git', 'packed-refs'))).toBe(true);
    write(root, { 'a.txt': 'one\n'.repeat(50) + 'two\n' + 'one\n'.repeat(49), 'dir/b.bin': Buffer.from([0, 9, 8, 7, 6]) });
    rmSync(join(root, 'dir', 'c.txt'));
    const info = await capture(root);
    expect(info).toMatchObject({ branch: 'main', commit: git(root, 'rev-parse', 'HEAD'), changedFiles: ['a.txt', 'dir/b.bin', 'dir/c.txt'] });
    const clone = restore(root, info!);
    expect(snapshot(clone, trackedPaths(root, info!))).toEqual(snapshot(root, trackedPaths(root, info!)));
  });

  it('reports a merge conflict, with the conflicted work tree file in the patch', async () => {
    const root = repo({ 'f.txt': 'base\n', 'k.txt': 'k\n' });
    git(root, 'checkout', '-q', '-b', 'other');
    write(root, { 'f.txt': 'theirs\n' });
    git(root, 'commit', '-q', '-am', 'theirs');
    git(root, 'checkout', '-q', 'main');
    write(root, { 'f.txt': 'ours\n' });
    git(root, 'commit', '-q', '-am', 'ours');
    expect(() => git(root, 'merge', 'other')).toThrow();
    const info = await capture(root);
    expect(info).toMatchObject({ dirty: true, changedFiles: ['f.txt'], branch: 'main' });
    const clone = restore(root, info!);
    expect(readFileSync(join(clone, 'f.txt'), 'utf8')).toBe(readFileSync(join(root, 'f.txt'), 'utf8'));
    expect(readFileSync(join(clone, 'f.txt'), 'utf8')).toContain('<<<<<<<');
  });

  it('reads a version 4 index (path compression)', async () => {
    const root = repo({ 'dir/a.txt': 'a\n', 'dir/ab.txt': 'ab\n', 'dir/sub/b.txt': 'b\n', 'z.txt': 'z\n' });
    git(root, 'update-index', '--index-version', '4');
    write(root, { 'dir/ab.txt': 'AB\n' });
    const info = await capture(root);
    expect(info?.changedFiles).toEqual(['dir/ab.txt']);
    expect(info?.dirty).toBe(true);
  });

  it('reads a linked worktree (git worktree add)', async () => {
    const root = repo();
    const wt = `${root}-wt`;
    made.push(wt);
    git(root, 'worktree', 'add', '-q', '-b', 'side', wt);
    write(wt, { 'src/a.txt': 'in worktree\n' });
    const info = await capture(wt);
    expect(info).toMatchObject({ root: wt, branch: 'side', commit: git(root, 'rev-parse', 'HEAD'), changedFiles: ['src/a.txt'] });
    const clone = restore(root, info!);
    expect(readFileSync(join(clone, 'src/a.txt'), 'utf8')).toBe('in worktree\n');
  });

  it('never writes to .git: index bytes and mtime unchanged, no lock file', async () => {
    const root = repo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c/d.txt': 'd\n' });
    // Make the index stale: same content, new mtimes. A plain `git status` would rewrite the index.
    const later = new Date(Date.now() + 5000);
    for (const f of ['a.txt', 'b.txt', 'c/d.txt']) utimesSync(join(root, f), later, later);
    write(root, { 'b.txt': 'B\n', 'untracked.txt': 'u\n' });
    const before = gitDirState(root);
    const info = await capture(root);
    expect(info?.changedFiles).toEqual(['b.txt']);
    expect(gitDirState(root)).toEqual(before);
    // The check can fail: a plain `git status` does refresh (rewrite) this index.
    git(root, 'status', '--porcelain');
    expect(gitDirState(root).index).not.toBe(before.index);
  });
});

describe('captureGit: both paths agree', () => {
  it('gives the same answer via git-cli and isomorphic-git on a busy work tree', async () => {
    const root = repo({
      '.gitignore': '*.log\n!keep.log\nbuild/\n/out\n',
      'src/.gitignore': 'gen/\n',
      'src/a.ts': 'export const a = 1;\n',
      'src/b.ts': 'export const b = 2;\n',
      'src/deep/c.ts': 'c\n',
      'docs/readme.md': 'line\n'.repeat(50),
      'bin/data.bin': Buffer.from([0, 1, 2, 3]),
      'no-newline.txt': 'last line',
      'gone.txt': 'bye\n',
      'tool.sh': 'echo\n',
    });
    write(root, {
      'src/a.ts': 'export const a = 10;\n',
      'docs/readme.md': 'line\n'.repeat(20) + 'changed\n' + 'line\n'.repeat(29),
      'bin/data.bin': Buffer.from([0, 1, 2, 3, 0, 4]),
      'no-newline.txt': 'last line, still no newline',
      'staged.txt': 'staged\n',
      // untracked and ignored
      'notes.txt': 'n\n',
      'src/deep/new.ts': 'n\n',
      'src/gen/x.ts': 'ignored\n',
      'fresh/one.txt': '1\n',
      'fresh/two/three.txt': '3\n',
      'fresh/debug.log': 'ignored\n',
      'keep.log': 'not ignored\n',
      'build/out.js': 'ignored\n',
      'out/x': 'ignored\n',
      'nested/repo/file.txt': 'x\n',
    });
    git(join(root, 'nested/repo'), 'init', '-q');
    git(root, 'add', 'staged.txt');
    rmSync(join(root, 'gone.txt'));
    chmodSync(join(root, 'tool.sh'), 0o755);
    const cli = await captureGit(root, { via: 'git-cli' });
    const iso = await captureGit(root, { via: 'isomorphic-git' });
    expect(cli?.untrackedCount).toBe(6);
    const { patch: cliPatch, via: _v1, ...cliRest } = cli!;
    const { patch: isoPatch, via: _v2, ...isoRest } = iso!;
    expect(isoRest).toEqual(cliRest);
    // The patches differ in form (hunk layout) but both restore the same tree.
    const paths = trackedPaths(root, cli!);
    expect(snapshot(restore(root, iso!), paths)).toEqual(snapshot(root, paths));
    expect(snapshot(restore(root, cli!), paths)).toEqual(snapshot(root, paths));
    expect(cliPatch).not.toBeNull();
    expect(isoPatch).not.toBeNull();
  });
});

describe('captureGit errors and options', () => {
  it('falls back to isomorphic-git when the git executable is missing', async () => {
    const root = repo();
    write(root, { 'src/a.txt': 'x\n' });
    const info = await captureGit(root, { gitBinary: join(root, 'no-such-git') });
    expect(info?.via).toBe('isomorphic-git');
    expect(info?.changedFiles).toEqual(['src/a.txt']);
  });

  it('follows GIT_DIR and GIT_WORK_TREE on the git-cli path, as git does', async () => {
    const root = repo();
    write(root, { 'src/a.txt': 'x\n' });
    const elsewhere = tempDir();
    made.push(elsewhere);
    process.env.GIT_DIR = join(root, '.git');
    process.env.GIT_WORK_TREE = root;
    try {
      const info = await captureGit(elsewhere, { via: 'git-cli' });
      expect(info).toMatchObject({ root, changedFiles: ['src/a.txt'], dirty: true });
    } finally {
      delete process.env.GIT_DIR;
      delete process.env.GIT_WORK_TREE;
    }
  });

  it('refuses a split index on the fallback path with code unsupported, and reads it with git', async () => {
    const root = repo();
    git(root, 'update-index', '--split-index');
    write(root, { 'src/a.txt': 'x\n' });
    const error = await captureGit(root, { via: 'isomorphic-git' }).catch((e: unknown) => e);
    expect(ExptrackError.is(error)).toBe(true);
    expect((error as ExptrackError).code).toBe('unsupported');
    expect((await captureGit(root, { via: 'git-cli' }))?.changedFiles).toEqual(['src/a.txt']);
  });

  it('returns null outside a repository on the fallback path too', async () => {
    const dir = tempDir();
    made.push(dir);
    expect(await captureGit(dir, { gitBinary: join(dir, 'no-such-git') })).toBeNull();
  });

  it('fails with code timeout when git does not answer in time', async () => {
    const dir = tempDir();
    made.push(dir);
    const slowGit = join(dir, 'slow-git');
    writeFileSync(slowGit, '#!/bin/sh\nsleep 5\n');
    chmodSync(slowGit, 0o755);
    const error = await captureGit(dir, { via: 'git-cli', gitBinary: slowGit, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(ExptrackError.is(error)).toBe(true);
    expect((error as ExptrackError).code).toBe('timeout');
  });

  it('fails with code unavailable when git is forced and not installed', async () => {
    const root = repo();
    const error = await captureGit(root, { via: 'git-cli', gitBinary: join(root, 'no-such-git') }).catch((e: unknown) => e);
    expect(ExptrackError.is(error)).toBe(true);
    expect((error as ExptrackError).code).toBe('unavailable');
  });

  it('rejects a negative patch cap', async () => {
    const error = await captureGit('.', { maxPatchBytes: -1 }).catch((e: unknown) => e);
    expect((error as ExptrackError).code).toBe('invalid_input');
    expect((error as ExptrackError).field).toBe('maxPatchBytes');
  });

  it('leaves out a changed text file that is not UTF-8 and marks the patch truncated', async () => {
    const root = repo({ 'latin1.txt': Buffer.from('caf\xe9\n', 'latin1'), 'a.txt': 'a\n' });
    write(root, { 'latin1.txt': Buffer.from('caf\xe9 au lait\n', 'latin1'), 'a.txt': 'b\n' });
    const info = await captureGit(root, { via: 'git-cli' });
    expect(info?.changedFiles).toEqual(['a.txt', 'latin1.txt']);
    expect(info?.patch).toContain('a/a.txt');
    expect(info?.patch).not.toContain('latin1.txt');
    expect(info?.patchTruncated).toBe(true);
  });

  it('does not mistake a moved repository directory for a change', async () => {
    const root = repo();
    const moved = `${root}-moved`;
    renameSync(root, moved);
    made.push(moved);
    const info = await captureGit(moved, { via: 'git-cli' });
    expect(info?.root).toBe(moved);
    expect(info?.dirty).toBe(false);
  });
});
