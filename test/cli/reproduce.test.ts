import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { BUILT, childEnv, cli, requireBuild, tempDir } from './helpers.js';

const TRAIN = `import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
const lr = Number(process.argv[process.argv.indexOf('--lr') + 1]);
const BONUS = 0;
const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: process.env.EXPTRACK_DB })] });
await tracker.startExperiment({ learning_rate: lr, model: 'toy' }, { name: 'toy-' + lr });
tracker.logMetrics({ loss: 1 / (1 + lr) }, 0);
tracker.logSummary({ bonus: BONUS, cwd: process.cwd() });
await tracker.finishExperiment();
`;

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: childEnv({ GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' }) });

let repo: string;
let db: string;
let original: string;

beforeAll(async () => {
  requireBuild();
  const dir = tempDir('exptrack-reproduce-');
  repo = join(dir, 'project');
  db = join(dir, 'runs.db');
  mkdirSync(repo);
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'train.mjs'), TRAIN);
  writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'train');
  mkdirSync(join(repo, 'node_modules'));
  symlinkSync(BUILT, join(repo, 'node_modules', 'exptrack'), 'dir');
  // The run is made from a dirty tree: BONUS changed and not committed.
  writeFileSync(join(repo, 'train.mjs'), TRAIN.replace('const BONUS = 0;', 'const BONUS = 42;'));
  execFileSync(process.execPath, ['train.mjs', '--lr', '0.5'], { cwd: repo, env: childEnv({ EXPTRACK_DB: db }) });
  const store = new SqliteBackend({ path: db });
  const [run] = await store.getAllExperiments();
  await store.close();
  original = run!.id;
  expect(run!.git).toMatchObject({ dirty: true, changedFiles: ['train.mjs'] });
  expect(run!.summary.bonus).toBe(42);
});

describe('exptrack reproduce', () => {
  it('refuses a dirty work tree with a clear message, and creates no worktree', () => {
    const r = cli(['reproduce', original, '--db', db], { cwd: repo });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^exptrack: the work tree at .+ has uncommitted changes \(1 file\): commit or stash them first/);
    expect(git(repo, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  it('--dry-run prints the command and runs nothing', () => {
    const r = cli(['reproduce', original, '--dry-run', '--db', db], { cwd: repo });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/with its recorded uncommitted changes \(1 file\)/);
    expect(r.stdout).toMatch(/\$ .*node .*\/train\.mjs --lr 0\.5/);
    expect(r.stdout).toContain('(dry run: nothing was run)');
    expect(git(repo, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
  });

  it('runs the recorded command at the recorded commit with the recorded changes, in a fresh worktree, and tags the new run', async () => {
    git(repo, 'checkout', '--', 'train.mjs'); // the user's tree is clean again (BONUS = 0)
    const r = cli(['reproduce', original, '--yes', '--json', '--db', db], { cwd: repo });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ original, patch: true, dryRun: false, exitCode: 0 });
    expect(out.runs).toHaveLength(1);
    expect(out.runs[0]).toMatchObject({ status: 'completed', configMatches: true });

    const store = new SqliteBackend({ path: db });
    const copy = await store.getExperiment(out.runs[0].id);
    await store.close();
    expect(copy!.tags).toEqual({ reproduces: original });
    expect(copy!.config).toEqual({ learning_rate: 0.5, model: 'toy' });
    expect(copy!.summary.bonus).toBe(42); // the recorded uncommitted change was restored
    expect(copy!.summary.cwd).toBe(out.worktree); // it ran in the worktree...
    expect(readFileSync(join(repo, 'train.mjs'), 'utf8')).toContain('const BONUS = 0;'); // ...not over the user's files
    expect(readFileSync(join(out.worktree, 'train.mjs'), 'utf8')).toContain('const BONUS = 42;');
    expect(copy!.environment!.env.EXPTRACK_REPRODUCES).toBe(original);
    git(repo, 'worktree', 'remove', '--force', out.worktree);
  });
});
