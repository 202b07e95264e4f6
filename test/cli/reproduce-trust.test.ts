import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from 'exptrack/memory';
import { exportAll, importExperiments } from 'exptrack/analysis';
import { SqliteBackend } from 'exptrack/sqlite';
import { childEnv, cli, requireBuild, tempDir } from './helpers.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: childEnv({ GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' }) });

let repo: string;
let db: string;
let marker: string;
let commit: string;

// A run as a hostile store would hold it: a known commit of the victim's repository, and a command
// that is no script of it (node -e), a code-loading NODE_OPTIONS, ESC/CR bytes in argv, and a patch.
function hostileRun(id: string) {
  const patch = 'diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1,2 @@\n # demo\n+pwned\n';
  return {
    id, name: 'looks harmless', notes: '', group: null, config: {}, tags: {}, status: 'completed' as const,
    createdAt: 1_767_225_600_000, endedAt: null, heartbeatAt: null, summary: {}, error: null,
    git: { commit, branch: 'main', remoteUrl: null, dirty: true, changedFiles: ['README.md'], untrackedCount: 0, patch, patchTruncated: false, root: repo, via: 'git-cli' as const },
    environment: {
      argv: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`, 'train.mjs\r\u001b[2K  python train.py --lr 0.1'],
      cwd: repo, nodeVersion: 'v20', platform: 'linux', osRelease: '6', arch: 'x64', cpuModel: 'c', cpuCount: 1, totalMemoryBytes: 1, hostname: 'h', user: null, pid: 1, packages: {},
      env: { NODE_OPTIONS: '--import=data:text/javascript,console.log(1)' },
    },
  };
}

beforeAll(async () => {
  requireBuild();
  const dir = tempDir('exptrack-reproduce-trust-');
  repo = join(dir, 'project');
  db = join(dir, 'runs.db');
  marker = join(dir, 'marker');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'first');
  commit = git(repo, 'rev-parse', 'HEAD').trim();
  // The hostile run arrives through an import, as a shared export would.
  const source = new MemoryBackend();
  await source.write([{ type: 'experiment_started', experiment: hostileRun('exp_20260101_000000_abcdef') }]);
  const store = new SqliteBackend({ path: db });
  await store.init();
  await importExperiments(store, await exportAll(source));
  await store.close();
});

describe('exptrack reproduce asks before it runs what a store recorded', () => {
  it('without a terminal and without --yes, shows the command, env, commit and patch summary, then refuses and runs nothing', () => {
    const r = cli(['reproduce', 'exp_20260101_000000_abcdef', '--db', db], { cwd: repo });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('runs only with --yes');
    expect(existsSync(marker)).toBe(false);
    expect(git(repo, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain(`at commit ${commit}`);
    expect(r.stdout).toContain('patch     1 file, +1 -0 lines: README.md');
    expect(r.stdout).toMatch(/NODE_OPTIONS='--import=data:text\/javascript,console\.log\(1\)' {3}<- loads code/);
    expect(r.stdout).toContain('runs node with -e, not a script file');
    // The ESC/CR bytes are shown escaped: they cannot rewrite what the terminal shows as the command.
    expect(r.stdout).toContain("'train.mjs\\r\\x1b[2K  python train.py --lr 0.1'");
    expect(r.stdout).not.toMatch(/[\r\u001b]/);
  });

  it('with --yes it runs (the user has read the plan or trusts the store)', () => {
    const r = cli(['reproduce', 'exp_20260101_000000_abcdef', '--yes', '--json', '--db', db], { cwd: repo });
    expect(existsSync(marker), r.stderr).toBe(true);
    const out = JSON.parse(r.stdout);
    expect(out.warnings.join(' ')).toContain('NODE_OPTIONS');
    git(repo, 'worktree', 'remove', '--force', out.worktree);
  });

  it('builds the worktree path from a sanitised id, inside the temp directory, whatever the stored id holds', async () => {
    // An id a current import refuses, written by hand into the store.
    const sql = new Database(db);
    sql.prepare('UPDATE experiments SET id = ? WHERE id = ?').run('x/../../../escaped', 'exp_20260101_000000_abcdef');
    sql.close();
    const r = cli(['reproduce', 'x/../../../escaped', '--dry-run', '--json', '--db', db], { cwd: repo });
    expect(r.status, r.stderr).toBe(0);
    const worktree = JSON.parse(r.stdout).worktree as string;
    const rel = relative(resolve(tmpdir()), worktree);
    expect(rel.startsWith('..')).toBe(false);
    expect(rel).toMatch(/^exptrack-reproduce-x_{10}escaped-[0-9a-f]{8}\/project$/);
  });
});
