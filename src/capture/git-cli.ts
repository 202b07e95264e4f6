/**
 * The fast path of git capture: the git command line, read-only.
 * @module
 */
import { resolve } from 'node:path';

import type { GitInfo } from '../core/types.js';
import { runGit, GitRunError, type GitRunOptions } from './git-run.js';
import { parseStatusV2 } from './git-status.js';
import { capPatch } from './patch-cap.js';
import { redactUrl } from './redact-secrets.js';
import { findRepository } from './repo-location.js';

/** Settings of one CLI capture. */
export interface GitCliSettings {
  /** The git executable. */
  gitBinary: string;
  /** Milliseconds each git command may take. */
  timeoutMs: number;
  /** The patch cap in bytes. */
  maxPatchBytes: number;
}

/**
 * The arguments of the patch: work tree against HEAD (staged and unstaged changes together), binary
 * files as git binary patches, and every setting that would change the format pinned so the result
 * applies with `git apply`. The plumbing `diff-index` is used, not `diff`: porcelain `git diff`
 * refreshes and rewrites `.git/index` even with `--no-optional-locks` (git 2.39), `diff-index` never
 * writes, and with `-p` a file whose stat changed but whose content did not produces no output.
 */
export const DIFF_ARGS: readonly string[] = [
  'diff-index',
  '-p',
  '--binary',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--no-renames',
  '--no-relative',
  '--submodule=short',
  '--src-prefix=a/',
  '--dst-prefix=b/',
  'HEAD',
  '--',
];

/** The most status output read (paths of every changed and untracked file); more is an error, not a guess. */
const MAX_STATUS_BYTES = 256 * 1024 * 1024;

/** Above this many changed paths the patch is taken over the whole tree instead of a path list. */
const MAX_PATHSPEC_PATHS = 2000;

/** The arguments of the status read: porcelain v2, NUL-separated, every untracked file listed. */
export const STATUS_ARGS: readonly string[] = [
  'status',
  '--porcelain=v2',
  '-z',
  '--branch',
  '--untracked-files=all',
  '--no-renames',
  '--ignore-submodules=none',
];

/** Whether git failed because there is no work tree here (outside a repository, or inside `.git`). */
function isNotAWorkTree(error: unknown): boolean {
  return error instanceof GitRunError && error.kind === 'failed' && /not a git repository|must be run in a work tree/i.test(error.stderr);
}

/**
 * Picks the `origin` remote, else the first one listed, from `git remote -v` output, and strips its
 * credentials.
 *
 * @param remoteVerbose - The output of `git remote -v`.
 * @returns The fetch URL without credentials, or null when there is no remote.
 *
 * @example
 * ```ts
 * pickRemoteUrl('origin\thttps://u:t@host/x.git (fetch)\norigin\thttps://u:t@host/x.git (push)\n');
 * // 'https://host/x.git'
 * ```
 */
export function pickRemoteUrl(remoteVerbose: string): string | null {
  const urls = new Map<string, string>();
  for (const line of remoteVerbose.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab === -1 || !line.endsWith(' (fetch)')) continue;
    const name = line.slice(0, tab);
    if (!urls.has(name)) urls.set(name, line.slice(tab + 1, -' (fetch)'.length));
  }
  const url = urls.get('origin') ?? urls.values().next().value;
  return url === undefined ? null : redactUrl(url);
}

/**
 * Reads the git state of `cwd` with the git command line: `status` and `remote -v` run in parallel
 * (with `rev-parse --show-toplevel` when GIT_DIR or GIT_WORK_TREE is set), then, when tracked files
 * changed, `diff-index -p HEAD` on those paths. Resolves with null outside a work tree and in a repository
 * without a commit; rejects with a {@link GitRunError} when git is missing, times out or fails.
 *
 * @param cwd - Any directory inside the work tree.
 * @param settings - The git executable, the timeout of each command and the patch cap.
 * @returns The captured state, or null.
 *
 * @example
 * ```ts
 * const info = await captureGitCli(process.cwd(), { gitBinary: 'git', timeoutMs: 10_000, maxPatchBytes: 1 << 20 });
 * ```
 */
export async function captureGitCli(cwd: string, settings: GitCliSettings): Promise<GitInfo | null> {
  const run: GitRunOptions = { cwd, gitBinary: settings.gitBinary, timeoutMs: settings.timeoutMs };
  // The root is found by looking for .git, as git does, saving a process; only when the environment
  // redirects git (GIT_DIR, GIT_WORK_TREE) or nothing is found is git asked. Status and remote find
  // the repository from cwd themselves; status prints paths relative to the root.
  const redirected = process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined;
  const located = redirected ? null : findRepository(cwd);
  const [rootRun, statusRun, remoteRun] = await Promise.allSettled([
    located !== null
      ? Promise.resolve(located.root)
      : runGit(['rev-parse', '--show-toplevel'], run).then((r) => r.stdout.toString('utf8').replace(/\r?\n$/, '')),
    runGit(STATUS_ARGS, { ...run, maxBytes: MAX_STATUS_BYTES }),
    runGit(['remote', '-v'], run),
  ]);
  for (const outcome of [rootRun, statusRun]) {
    if (outcome.status === 'rejected' && isNotAWorkTree(outcome.reason)) return null;
  }
  if (rootRun.status === 'rejected') throw rootRun.reason;
  const root = rootRun.value;
  if (root === '') return null; // inside a .git directory or a bare repository: no work tree
  if (statusRun.status === 'rejected') throw statusRun.reason;
  if (statusRun.value.overflow) {
    throw new GitRunError(`git status printed more than ${MAX_STATUS_BYTES} bytes`, 'failed', '');
  }
  const status = parseStatusV2(statusRun.value.stdout.toString('utf8'));
  if (status.commit === null) return null; // no commit yet: nothing to reproduce from
  if (remoteRun.status === 'rejected') throw remoteRun.reason;
  let patch: string | null = null;
  let patchTruncated = false;
  if (status.changedFiles.length > 0) {
    // Only the changed paths are diffed (literally, no globbing), so git stats a handful of files, not
    // the whole tree again; a very long list falls back to the whole tree.
    const paths = status.changedFiles.length <= MAX_PATHSPEC_PATHS ? status.changedFiles : [];
    const diff = await runGit(['--literal-pathspecs', ...DIFF_ARGS, ...paths], {
      ...run,
      cwd: root,
      maxBytes: settings.maxPatchBytes + 1,
    });
    const capped = capPatch(diff.stdout, settings.maxPatchBytes, diff.overflow);
    patch = capped.patch;
    patchTruncated = capped.truncated;
  }
  return {
    commit: status.commit,
    branch: status.branch,
    remoteUrl: pickRemoteUrl(remoteRun.value.stdout.toString('utf8')),
    dirty: status.changedFiles.length > 0,
    changedFiles: status.changedFiles,
    untrackedCount: status.untrackedCount,
    patch,
    patchTruncated,
    root: resolve(root),
    via: 'git-cli',
  };
}
