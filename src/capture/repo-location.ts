/**
 * Finds the git work tree that contains a directory, without running git.
 * @module
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where a repository lives: the work tree, its git dir, and the common dir (differs for a linked worktree). */
export interface RepoLocation {
  root: string;
  gitdir: string;
  commondir: string;
}

/**
 * Finds the work tree containing `cwd` by looking for `.git` (a directory, or a file naming the git
 * dir as linked worktrees and submodules have) in `cwd` and its parents.
 *
 * @param cwd - An absolute directory.
 * @returns The work tree root, git dir and common dir, or null outside a repository.
 *
 * @example
 * ```ts
 * findRepository('/repo/src'); // { root: '/repo', gitdir: '/repo/.git', commondir: '/repo/.git' }
 * ```
 */
export function findRepository(cwd: string): RepoLocation | null {
  let dir = cwd;
  for (;;) {
    const dotGit = join(dir, '.git');
    let gitdir: string | null = null;
    try {
      const st = statSync(dotGit);
      if (st.isDirectory()) gitdir = dotGit;
      else if (st.isFile()) {
        const match = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
        if (match?.[1] !== undefined) gitdir = resolve(dir, match[1]);
      }
    } catch {
      gitdir = null;
    }
    if (gitdir !== null && isGitDir(gitdir)) {
      let commondir = gitdir;
      try {
        commondir = resolve(gitdir, readFileSync(join(gitdir, 'commondir'), 'utf8').trim());
      } catch {
        commondir = gitdir;
      }
      return { root: realpathOr(dir), gitdir, commondir };
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isGitDir(gitdir: string): boolean {
  try {
    return statSync(join(gitdir, 'HEAD')).isFile();
  } catch {
    return false;
  }
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
