/**
 * `captureGit`: the git state a run starts from, read without writing to `.git`.
 * @module
 */
import { resolve } from 'node:path';

import { ExptrackError } from '../core/errors.js';
import type { GitInfo } from '../core/types.js';
import { captureGitCli } from './git-cli.js';
import { captureGitIsomorphic } from './git-iso.js';
import { GitRunError, toExptrackError } from './git-run.js';
import { DEFAULT_MAX_PATCH_BYTES } from './patch-cap.js';

/** Options of {@link captureGit}. */
export interface CaptureGitOptions {
  /**
   * How to read the repository: `auto` uses the git command line and falls back to isomorphic-git
   * when git is not installed; `git-cli` and `isomorphic-git` force one.
   * @defaultValue `'auto'`
   */
  via?: 'auto' | 'git-cli' | 'isomorphic-git';
  /**
   * The git executable.
   * @defaultValue `'git'`
   */
  gitBinary?: string;
  /**
   * Milliseconds each git command may take before the capture fails with code `timeout`.
   * @defaultValue `10000`
   */
  timeoutMs?: number;
  /**
   * The cap of `patch`, in bytes of UTF-8.
   * @defaultValue `1048576` (1 MiB)
   */
  maxPatchBytes?: number;
}

/**
 * Captures the git state of the work tree that contains `cwd`: HEAD commit, branch, remote (without
 * credentials), whether tracked files differ from HEAD, which ones, how many untracked files there
 * are, and a patch that restores the tracked changes on a checkout of the commit with `git apply`.
 *
 * Strictly read-only: git runs with `--no-optional-locks` (no index refresh, no lock file), and the
 * isomorphic-git fallback reads the index and objects without writing anything. See docs/CAPTURE.md.
 *
 * @param cwd - Any directory inside the work tree.
 * @param options - How to read the repository, the timeout and the patch cap.
 * @returns The git state, or null outside a git work tree and in a repository without a commit.
 * @throws {@link ExptrackError} with code `timeout` when git takes longer than `timeoutMs`, or
 * `unavailable` when the repository cannot be read.
 *
 * @example
 * ```ts
 * import { captureGit } from 'exptrack';
 * const git = await captureGit(process.cwd());
 * if (git?.dirty) console.log(`${git.changedFiles.length} files differ from ${git.commit}`);
 * ```
 */
export async function captureGit(cwd: string, options: CaptureGitOptions = {}): Promise<GitInfo | null> {
  const dir = resolve(cwd);
  const via = options.via ?? 'auto';
  const maxPatchBytes = options.maxPatchBytes ?? DEFAULT_MAX_PATCH_BYTES;
  if (!Number.isInteger(maxPatchBytes) || maxPatchBytes < 0) {
    throw new ExptrackError(`maxPatchBytes must be an integer >= 0 (got ${String(maxPatchBytes)})`, {
      code: 'invalid_input',
      field: 'maxPatchBytes',
      value: maxPatchBytes,
    });
  }
  const settings = { gitBinary: options.gitBinary ?? 'git', timeoutMs: options.timeoutMs ?? 10_000, maxPatchBytes };
  if (via !== 'isomorphic-git') {
    try {
      return await captureGitCli(dir, settings);
    } catch (error) {
      // Without a git executable, `auto` reads the repository with isomorphic-git instead.
      if (!(via === 'auto' && error instanceof GitRunError && error.kind === 'missing')) throw toExptrackError(error, dir);
    }
  }
  try {
    return await captureGitIsomorphic(dir, settings);
  } catch (error) {
    throw toExptrackError(error, dir);
  }
}
