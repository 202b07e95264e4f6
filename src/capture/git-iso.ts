/**
 * The fallback of git capture when the git command line is not installed: isomorphic-git reads HEAD,
 * trees, blobs and remotes, through a file system that refuses every write; the index is parsed here
 * (read-only) and each tracked file is `lstat`-ed, hashed only when its stat data differs from the
 * index. isomorphic-git's `statusMatrix` is never used: its default refresh rewrites `.git/index`
 * without git's lock.
 * @module
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readFileSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

import type { GitInfo } from '../core/types.js';
import { ExptrackError } from '../core/errors.js';
import { GitIndexError, parseGitIndex, type CacheTreeNode, type IndexEntry } from './git-index.js';
import { capPatch } from './patch-cap.js';
import { filePatch, type FileVersion } from './patch-writer.js';
import { readOnlyFs, type ReadOnlyFs } from './read-only-fs.js';
import { redactUrl } from './redact-secrets.js';
import { findRepository, type RepoLocation } from './repo-location.js';

type IsomorphicGit = typeof import('isomorphic-git');
type FsClient = import('isomorphic-git').FsClient;

/** Settings of one isomorphic-git capture. */
export interface GitIsoSettings {
  /** The patch cap in bytes. */
  maxPatchBytes: number;
}

const MODE_FILE = 0o100644;
const MODE_EXEC = 0o100755;
const MODE_LINK = 0o120000;
const MODE_GITLINK = 0o160000;
const TYPE_MASK = 0o170000;
const UINT32 = 4294967296n;

async function loadIsomorphicGit(): Promise<IsomorphicGit> {
  const mod = (await import('isomorphic-git')) as IsomorphicGit & { default?: IsomorphicGit };
  return mod.default ?? mod;
}

function isInside(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The git blob id of some content. */
function blobOid(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** The git mode a work tree file has, from lstat. */
function worktreeMode(st: BigIntStats): number {
  if (st.isSymbolicLink()) return MODE_LINK;
  if (process.platform === 'win32') return MODE_FILE;
  return (st.mode & 0o100n) !== 0n ? MODE_EXEC : MODE_FILE;
}

function seconds(ns: bigint): number {
  return Number((ns / 1_000_000_000n) % UINT32);
}

function nanos(ns: bigint): number {
  return Number(ns % 1_000_000_000n);
}

/** Whether the stat data git stored for an entry still matches the file (then its content is the same). */
function statMatches(entry: IndexEntry, st: BigIntStats, indexMtimeNs: bigint): boolean {
  const checkNanos = entry.mtimeNanoseconds !== 0 || entry.ctimeNanoseconds !== 0;
  if (seconds(st.mtimeNs) !== entry.mtimeSeconds || seconds(st.ctimeNs) !== entry.ctimeSeconds) return false;
  if (checkNanos && (nanos(st.mtimeNs) !== entry.mtimeNanoseconds || nanos(st.ctimeNs) !== entry.ctimeNanoseconds)) return false;
  if (Number(st.size % UINT32) !== entry.size) return false;
  if (entry.ino !== 0 && Number(st.ino % UINT32) !== entry.ino) return false;
  // Racily clean: the file changed in the same instant the index was written; only the content tells.
  const entryMtimeNs = BigInt(entry.mtimeSeconds) * 1_000_000_000n + BigInt(entry.mtimeNanoseconds);
  return entryMtimeNs < indexMtimeNs;
}

/** The work tree version of a file: mode, blob id and content, or null when it is absent. */
function readWorktree(abs: string): FileVersion | null {
  let st: BigIntStats;
  try {
    st = lstatSync(abs, { bigint: true });
  } catch {
    return null;
  }
  if (!st.isFile() && !st.isSymbolicLink()) return null;
  const content = st.isSymbolicLink() ? Buffer.from(readlinkSync(abs)) : readFileSync(abs);
  return { mode: worktreeMode(st), oid: blobOid(content), content };
}

/** Every ancestor directory of a path, without a trailing slash ('' is the root). */
function* ancestors(path: string): Generator<string> {
  yield '';
  let at = path.indexOf('/');
  while (at !== -1) {
    yield path.slice(0, at);
    at = path.indexOf('/', at + 1);
  }
}

/**
 * Reads the git state of `cwd` with isomorphic-git and a read-only parse of the index. See the module
 * documentation for what is read and docs/CAPTURE.md for the differences from the git command line.
 *
 * @param cwd - Any directory inside the work tree.
 * @param settings - The patch cap.
 * @returns The captured state, or null outside a work tree and in a repository without a commit.
 *
 * @example
 * ```ts
 * const info = await captureGitIsomorphic(process.cwd(), { maxPatchBytes: 1 << 20 });
 * ```
 */
export async function captureGitIsomorphic(cwd: string, settings: GitIsoSettings): Promise<GitInfo | null> {
  const dir = resolve(cwd);
  const repo = findRepository(dir);
  if (repo === null || isInside(repo.gitdir, dir) || isInside(repo.commondir, dir)) return null; // no work tree in .git

  const git = await loadIsomorphicGit();
  const rofs: ReadOnlyFs = readOnlyFs();
  const fs = rofs as unknown as FsClient;
  const cache = {};
  const { root, gitdir, commondir } = repo;

  // HEAD: a symbolic ref to a branch, or a commit id (detached).
  const headText = (await readFile(join(gitdir, 'HEAD'), 'utf8')).trim();
  let branch: string | null = null;
  let commit: string;
  if (headText.startsWith('ref:')) {
    const ref = headText.slice(4).trim();
    branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
    try {
      commit = await git.resolveRef({ fs, gitdir: commondir, ref });
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFoundError') return null; // no commit yet
      throw error;
    }
  } else {
    commit = headText;
  }
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    throw new ExptrackError(`capturing git state of ${root}: only SHA-1 repositories can be read without the git executable`, {
      code: 'unsupported',
      field: 'cwd',
      value: cwd,
    });
  }

  // The index, parsed read-only, and its modification time (for racily clean entries).
  const indexPath = join(gitdir, 'index');
  let entries: IndexEntry[] = [];
  let cacheTree: CacheTreeNode | null = null;
  let indexMtimeNs = 0n;
  try {
    // One open file for both, so the time and the bytes belong to the same index (git replaces it by rename).
    const fd = openSync(indexPath, 'r');
    let bytes: Buffer;
    try {
      indexMtimeNs = fstatSync(fd, { bigint: true }).mtimeNs;
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
    ({ entries, cacheTree } = parseGitIndex(bytes));
  } catch (error) {
    if (error instanceof GitIndexError && error.unsupported) {
      throw new ExptrackError(`capturing git state of ${root} without the git executable: ${error.message}`, {
        code: 'unsupported',
        field: 'cwd',
        value: cwd,
        cause: error,
      });
    }
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const staged = new Map<string, IndexEntry>();
  const changed = new Set<string>();
  const indexedPaths = new Set<string>();
  const conflicted = new Set<string>();
  for (const entry of entries) {
    indexedPaths.add(entry.path);
    if (entry.stage === 0) staged.set(entry.path, entry);
    else {
      changed.add(entry.path); // a merge conflict: the work tree file holds the conflict markers
      conflicted.add(entry.path);
    }
    if (entry.intentToAdd) changed.add(entry.path);
  }

  // HEAD against the index. Where the cache-tree already holds HEAD's tree id for a directory, the
  // index matches HEAD below it and the tree is not read.
  const headFiles = new Map<string, { oid: string; mode: number }>();
  const matchedPrefixes = new Set<string>();
  async function compareTree(treeOid: string, node: CacheTreeNode | null, prefix: string): Promise<void> {
    if (node?.oid === treeOid) {
      matchedPrefixes.add(prefix);
      return;
    }
    const { tree } = await git.readTree({ fs, gitdir: commondir, oid: treeOid, cache });
    await Promise.all(
      tree.map(async (item) => {
        const path = prefix + item.path;
        if (item.type === 'tree') await compareTree(item.oid, node?.children.get(item.path) ?? null, `${path}/`);
        else headFiles.set(path, { oid: item.oid, mode: parseInt(item.mode, 8) });
      }),
    );
  }
  const { commit: commitObject } = await git.readCommit({ fs, gitdir: commondir, oid: commit, cache });
  await compareTree(commitObject.tree, cacheTree, '');
  const inMatchedTree = (path: string): boolean => {
    if (matchedPrefixes.size === 0) return false;
    for (const dir of ancestors(path)) if (matchedPrefixes.has(dir === '' ? '' : `${dir}/`)) return true;
    return false;
  };
  for (const [path, head] of headFiles) {
    const entry = staged.get(path);
    if (entry === undefined || entry.oid !== head.oid || entry.mode !== head.mode) changed.add(path);
  }
  for (const path of staged.keys()) if (!headFiles.has(path) && !inMatchedTree(path)) changed.add(path);
  const headVersion = (path: string): { oid: string; mode: number } | undefined => {
    const head = headFiles.get(path);
    if (head !== undefined) return head;
    const entry = staged.get(path);
    return entry !== undefined && inMatchedTree(path) ? { oid: entry.oid, mode: entry.mode } : undefined;
  };

  // The work tree against the index: lstat every entry, hash only where the stat data differs.
  const worktree = new Map<string, FileVersion | null>();
  let checked = 0;
  for (const entry of staged.values()) {
    if (entry.skipWorktree || entry.assumeValid || entry.intentToAdd || (entry.mode & TYPE_MASK) === MODE_GITLINK) continue;
    if (++checked % 512 === 0) await yieldToLoop();
    const abs = join(root, entry.path);
    let st: BigIntStats;
    try {
      st = lstatSync(abs, { bigint: true });
    } catch {
      changed.add(entry.path); // deleted
      worktree.set(entry.path, null);
      continue;
    }
    if (!st.isFile() && !st.isSymbolicLink()) {
      changed.add(entry.path); // replaced by a directory
      worktree.set(entry.path, null);
      continue;
    }
    if (worktreeMode(st) === entry.mode && statMatches(entry, st, indexMtimeNs)) continue;
    const version = readWorktree(abs);
    if (version === null || version.oid !== entry.oid || version.mode !== entry.mode) {
      changed.add(entry.path);
      worktree.set(entry.path, version);
    }
  }

  const [untrackedCount, remotes] = await Promise.all([
    countUntracked(git, fs, repo, indexedPaths),
    git.listRemotes({ fs, gitdir: commondir }),
  ]);
  const remote = remotes.find((r) => r.remote === 'origin') ?? remotes[0];

  const changedFiles = [...changed].sort();
  let patch: string | null = null;
  let patchTruncated = false;
  if (changedFiles.length > 0) {
    const sections: string[] = [];
    let size = 0;
    for (const path of changedFiles) {
      if (size > settings.maxPatchBytes) break; // enough to know it is cut
      const head = headVersion(path);
      const entry = staged.get(path);
      if ((head !== undefined && (head.mode & TYPE_MASK) === MODE_GITLINK) || (entry !== undefined && (entry.mode & TYPE_MASK) === MODE_GITLINK)) {
        patchTruncated = true; // submodule commits are not carried in the patch
        continue;
      }
      const from: FileVersion | null =
        head === undefined ? null : { ...head, content: Buffer.from((await git.readBlob({ fs, gitdir: commondir, oid: head.oid, cache })).blob) };
      let to: FileVersion | null = null;
      if (conflicted.has(path)) {
        to = readWorktree(join(root, path));
      } else if (entry !== undefined) {
        if (worktree.has(path)) to = worktree.get(path) ?? null;
        else if (entry.skipWorktree || entry.assumeValid) {
          to = { oid: entry.oid, mode: entry.mode, content: Buffer.from((await git.readBlob({ fs, gitdir: commondir, oid: entry.oid, cache })).blob) };
        } else to = readWorktree(join(root, path));
      }
      const text = filePatch(path, from, to);
      sections.push(text);
      size += Buffer.byteLength(text);
    }
    const capped = capPatch(Buffer.from(sections.join('')), settings.maxPatchBytes, false);
    patch = capped.patch;
    patchTruncated ||= capped.truncated || size > settings.maxPatchBytes;
  }

  return {
    commit,
    branch,
    remoteUrl: remote === undefined ? null : redactUrl(remote.url),
    dirty: changedFiles.length > 0,
    changedFiles,
    untrackedCount,
    patch,
    patchTruncated,
    root,
    via: 'isomorphic-git',
  };
}

/**
 * Counts untracked, non-ignored files as `git status --untracked-files=all` lists them: directories
 * holding tracked files are walked; any other directory is checked against the ignore rules once and
 * then walked whole; a nested repository counts as one entry.
 */
async function countUntracked(git: IsomorphicGit, fs: FsClient, repo: RepoLocation, indexed: Set<string>): Promise<number> {
  const trackedDirs = new Set<string>();
  for (const path of indexed) for (const dir of ancestors(path)) trackedDirs.add(dir);
  const ignored = (filepath: string) => git.isIgnored({ fs, dir: repo.root, gitdir: repo.gitdir, filepath });
  let count = 0;
  async function walk(rel: string, allUntracked: boolean): Promise<void> {
    let children;
    try {
      children = readdirSync(rel === '' ? repo.root : join(repo.root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    if (allUntracked && children.some((c) => c.name === '.git')) {
      count += 1; // a nested repository: git lists the directory, not its files
      return;
    }
    for (const child of children) {
      if (child.name === '.git') continue;
      const path = rel === '' ? child.name : `${rel}/${child.name}`;
      if (!allUntracked && indexed.has(path)) continue; // a tracked file, symlink or submodule
      if (child.isDirectory()) {
        if (!allUntracked && trackedDirs.has(path)) await walk(path, false);
        else if (!(await ignored(`${path}/`))) await walk(path, true);
      } else if (!(await ignored(path))) {
        count += 1;
      }
    }
  }
  await walk('', false);
  return count;
}
