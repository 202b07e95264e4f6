/**
 * Times run capture on a temporary 5,000-file git repository with a few files modified:
 * `captureGit` via the git command line and via the isomorphic-git fallback, against a plain
 * `git status --porcelain`; also `captureEnvironment` and `hashPath`. Prints medians; asserts nothing.
 *
 * Run: `npx tsx bench/capture.ts [files] [runs]` (defaults 5000 and 15).
 * @module
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { captureEnvironment, captureGit, clearPackageVersionCache, hashPath } from '../src/capture/index.js';

const run = promisify(execFile);
const FILES = Number(process.argv[2] ?? 5000);
const RUNS = Number(process.argv[3] ?? 15);
const MODIFIED = 5;
const UNTRACKED = 3;

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

function gitSync(cwd: string, ...args: string[]): void {
  execFileSync('git', args, { cwd, env, stdio: 'ignore' });
}

function buildRepo(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'exptrack-bench-capture-')));
  gitSync(root, 'init', '-q', '-b', 'main');
  const perDir = 100;
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, 'src', `pkg${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    if (i % perDir === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file${i}.ts`), `export const value${i} = ${i};\n`.repeat(20));
  }
  writeFileSync(join(root, '.gitignore'), 'node_modules/\n*.log\n');
  // Date the files a minute back so the index written next is not "racily clean" (files modified in
  // the second the index was written are re-read by git on every status, which a real repo rarely has).
  const past = new Date(Date.now() - 60_000);
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, 'src', `pkg${String(Math.floor(i / perDir)).padStart(3, '0')}`);
    utimesSync(join(dir, `file${i}.ts`), past, past);
  }
  gitSync(root, 'add', '-A');
  gitSync(root, 'commit', '-q', '-m', 'bench');
  for (let i = 0; i < MODIFIED; i++) {
    const n = i * Math.floor(FILES / MODIFIED);
    const dir = join(root, 'src', `pkg${String(Math.floor(n / perDir)).padStart(3, '0')}`);
    writeFileSync(join(dir, `file${n}.ts`), `export const value${n} = ${n + 1};\n`.repeat(20));
  }
  for (let i = 0; i < UNTRACKED; i++) writeFileSync(join(root, `untracked${i}.txt`), 'u\n');
  writeFileSync(join(root, 'debug.log'), 'ignored\n');
  return root;
}

async function time(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

interface Row {
  name: string;
  firstMs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  note: string;
}

async function measure(name: string, fn: () => unknown, note = ''): Promise<Row> {
  const firstMs = await time(fn);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await time(fn));
  samples.sort((a, b) => a - b);
  const mid = Math.floor(samples.length / 2);
  const medianMs = samples.length % 2 === 1 ? (samples[mid] ?? 0) : ((samples[mid - 1] ?? 0) + (samples[mid] ?? 0)) / 2;
  return { name, firstMs, medianMs, minMs: samples[0] ?? 0, maxMs: samples[samples.length - 1] ?? 0, note };
}

async function main(): Promise<void> {
  const buildStart = performance.now();
  const root = buildRepo();
  const buildMs = performance.now() - buildStart;
  try {
    const cli = await captureGit(root, { via: 'git-cli' });
    const iso = await captureGit(root, { via: 'isomorphic-git' });
    const rows: Row[] = [
      await measure('git status --porcelain (baseline)', () => run('git', ['--no-optional-locks', 'status', '--porcelain'], { cwd: root })),
      await measure('captureGit via git-cli', () => captureGit(root, { via: 'git-cli' }), `${cli?.changedFiles.length} changed, ${cli?.untrackedCount} untracked`),
      await measure('captureGit via isomorphic-git', () => captureGit(root, { via: 'isomorphic-git' }), `${iso?.changedFiles.length} changed, ${iso?.untrackedCount} untracked`),
      await measure('captureEnvironment (cached)', () => captureEnvironment({ cwd: process.cwd() })),
      await measure('captureEnvironment (cold package.json cache)', () => {
        clearPackageVersionCache();
        return captureEnvironment({ cwd: process.cwd() });
      }),
      await measure(`hashPath (${FILES} files)`, () => hashPath(join(root, 'src'))),
    ];
    const out = [
      `run capture bench: ${FILES} tracked files, ${MODIFIED} modified, ${UNTRACKED} untracked; ${RUNS} runs after 1 warm-up`,
      `node ${process.version}, ${process.platform}/${process.arch}, repo built in ${buildMs.toFixed(0)} ms`,
      '',
      `| ${'what'.padEnd(46)} | first ms | median ms |  min ms |  max ms | note`,
      `|${'-'.repeat(48)}|---------:|----------:|--------:|--------:|-----`,
      ...rows.map(
        (r) =>
          `| ${r.name.padEnd(46)} | ${r.firstMs.toFixed(1).padStart(8)} | ${r.medianMs.toFixed(1).padStart(9)} | ${r.minMs.toFixed(1).padStart(7)} | ${r.maxMs.toFixed(1).padStart(7)} | ${r.note}`,
      ),
      '',
      `patch sizes: git-cli ${Buffer.byteLength(cli?.patch ?? '')} B, isomorphic-git ${Buffer.byteLength(iso?.patch ?? '')} B`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
