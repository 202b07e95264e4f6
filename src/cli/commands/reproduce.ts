/**
 * `exptrack reproduce`: runs an experiment's recorded command again, at its recorded git commit
 * with its recorded uncommitted changes, in a fresh git worktree, and links the new run to the
 * original with the tag `reproduces: <id>`.
 * @module
 */
import { terminalSafe } from '../terminal-safe.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Experiment } from 'exptrack';
import type { Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { isPostgresUrl } from '../open-store.js';
import { resolveExperiment } from '../resolve-id.js';
import { updateExperiment } from '../update-experiment.js';

interface ReproduceCliOptions {
  dryRun?: boolean;
  yes?: boolean;
}

/**
 * Environment variables that make a process load code (Node's `--import`/`--require` through
 * `NODE_OPTIONS`, module search paths, the dynamic linker's preloads): a store that sets one runs
 * code of its author's choosing, so each is shown marked before anything runs.
 */
export const CODE_LOADING_ENV = /^(?:NODE_OPTIONS|NODE_PATH|NODE_REPL_EXTERNAL_MODULE|NODE_EXTRA_CA_CERTS|LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|DYLD_\w+|PYTHONPATH|PYTHONSTARTUP|PERL5OPT|PERL5LIB|RUBYOPT|BASH_ENV|ENV|GIT_\w+)$/;

/** The environment variable naming the experiment a reproduction reproduces (recorded with the new run, as every `EXPTRACK_*` variable is). */
export const REPRODUCES_ENV = 'EXPTRACK_REPRODUCES';
/** A nonce unique to one reproduction, recorded with the new run, by which the CLI finds it (a name with TOKEN in it would not be recorded). */
export const REPRODUCE_TOKEN_ENV = 'EXPTRACK_REPRODUCE_NONCE';

/**
 * Adds `exptrack reproduce`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerReproduce(program, wrap);
 * ```
 */
export function registerReproduce(program: Command, wrap: Wrap): void {
  program
    .command('reproduce')
    .description('run an experiment\'s recorded command again at its git commit, with its recorded uncommitted changes, in a fresh git worktree; the new run is tagged reproduces=<id>')
    .argument('<id>', 'an experiment id or unique prefix')
    .option('--dry-run', 'print what would run, and run nothing')
    .option('--yes', 'run without asking (the store decides what runs: use it only for a store you trust); without a terminal, reproduce refuses to run unless --yes is given')
    .action(wrap(reproduce));
}

interface Plan {
  repo: string;
  commit: string;
  patch: string | null;
  changedFiles: string[];
  worktree: string;
  cwd: string;
  command: string[];
  env: Record<string, string>;
  /** What the user should know before saying yes: a command that is no script of the repository, code-loading variables. */
  warnings: string[];
}

/** Asks on a terminal; without one, refuses (the store chose the command: it never runs unasked). */
async function confirm(ctx: CommandContext): Promise<void> {
  if (ctx.io.stdin.isTTY !== true) {
    throw new CliError('reproduce runs the command recorded in the store, shown above; without a terminal to ask on, it runs only with --yes (use --dry-run to look, --yes only for a store you trust)');
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await rl.question('Run this command? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not run (answer y to run it)');
  } finally {
    rl.close();
  }
}

/** `2 files, +10 -3 lines: a.ts, b.ts` for a unified diff. */
function patchSummary(patch: string): string {
  const files: string[] = [];
  let added = 0;
  let removed = 0;
  for (const line of patch.split('\n')) {
    const header = /^diff --git a\/(.+?) b\//.exec(line);
    if (header) files.push(header[1] as string);
    else if (line.startsWith('+') && !line.startsWith('+++')) added++;
    else if (line.startsWith('-') && !line.startsWith('---')) removed++;
  }
  const shownFiles = files.slice(0, 10).map((f) => terminalSafe(f)).join(', ') + (files.length > 10 ? `, ... ${files.length - 10} more` : '');
  return `${files.length} file${files.length === 1 ? '' : 's'}, +${added} -${removed} lines${files.length > 0 ? `: ${shownFiles}` : ''} (applied with git apply; read it with exptrack show --json)`;
}

async function reproduce(ctx: CommandContext, id: string, options: ReproduceCliOptions): Promise<number> {
  const store = await ctx.store('edit');
  const experiment = await resolveExperiment(store, id);
  const plan = makePlan(ctx, experiment);
  const shown = plan.command.map((a) => shellQuote(terminalSafe(a))).join(' ');
  const say = (text: string) => (ctx.json ? ctx.note(text) : ctx.print(text));
  const t = (text: string) => terminalSafe(text);
  say(`Reproducing ${t(experiment.id)}${experiment.name === experiment.id ? '' : ` (${t(experiment.name)})`} at commit ${t(plan.commit)}` +
    (plan.patch === null ? '' : ` with its recorded uncommitted changes (${plan.changedFiles.length} file${plan.changedFiles.length === 1 ? '' : 's'})`));
  if (plan.patch !== null) say(`  patch     ${patchSummary(plan.patch)}`);
  say(`  worktree  ${t(plan.worktree)}`);
  say(`  cwd       ${t(plan.cwd)}`);
  say('  env       (set for the command, on top of yours)');
  for (const [k, v] of Object.entries(plan.env)) say(`    ${t(k)}=${shellQuote(t(v))}${CODE_LOADING_ENV.test(k) ? '   <- loads code: set by the store' : ''}`);
  say(`  $ ${shown}`);
  for (const warning of plan.warnings) say(`  ! ${warning}`);
  const base = { original: experiment.id, commit: plan.commit, patch: plan.patch !== null, worktree: plan.worktree, cwd: plan.cwd, command: plan.command, env: plan.env, warnings: plan.warnings };
  if (options.dryRun) {
    if (ctx.json) ctx.printJson({ ...base, dryRun: true, exitCode: null, runs: [] });
    else ctx.print('(dry run: nothing was run)');
    return 0;
  }

  const dirty = git(['status', '--porcelain', '--untracked-files=no'], plan.repo).trim();
  if (dirty !== '') {
    const count = dirty.split('\n').length;
    throw new CliError(`the work tree at ${plan.repo} has uncommitted changes (${count} file${count === 1 ? '' : 's'}): commit or stash them first, then run reproduce again (it checks out ${plan.commit.slice(0, 12)} in a fresh worktree)`);
  }
  if (!options.yes) await confirm(ctx);
  mkdirSync(resolve(plan.worktree, '..'), { recursive: true });
  git(['worktree', 'add', '--detach', plan.worktree, plan.commit], plan.repo);
  if (plan.patch !== null) {
    const applied = spawnSync('git', ['apply', '--whitespace=nowarn', '-'], { cwd: plan.worktree, input: plan.patch, encoding: 'utf8' });
    if (applied.status !== 0) throw new CliError(`the recorded changes do not apply to ${plan.commit.slice(0, 12)}: ${firstLine(applied.stderr)} (worktree left at ${plan.worktree})`);
  }
  const modules = join(plan.repo, 'node_modules');
  if (existsSync(modules) && !existsSync(join(plan.worktree, 'node_modules'))) symlinkSync(modules, join(plan.worktree, 'node_modules'), 'dir');

  const token = crypto.randomUUID();
  const started = Date.now();
  const exitCode = await run(plan, { ...plan.env, [REPRODUCE_TOKEN_ENV]: token }, ctx.json);

  // Find the runs the command started (they recorded the token) and link them to the original.
  const recent = await store.getAllExperiments({ where: { kind: 'compare', field: { scope: 'attribute', name: 'created' }, op: '>=', value: started - 1000 } });
  const runs = recent.filter((e) => e.environment?.env[REPRODUCE_TOKEN_ENV] === token);
  const linked = [];
  for (const run of runs.reverse()) {
    await updateExperiment(store, run.id, (t) => t.setTags({ reproduces: experiment.id }));
    const configMatches = JSON.stringify(sortKeys(run.config)) === JSON.stringify(sortKeys(experiment.config));
    const after = await store.getExperiment(run.id);
    linked.push({ id: run.id, status: after?.status ?? run.status, configMatches });
  }
  if (ctx.json) ctx.printJson({ ...base, dryRun: false, exitCode, runs: linked });
  else {
    for (const r of linked) {
      ctx.print(`new run ${r.id} (${r.status}), tagged reproduces=${experiment.id}; ${r.configMatches ? 'its config matches the original' : 'its config differs from the original: compare them with `exptrack compare`'}`);
    }
    if (linked.length === 0) ctx.print(`no new run of this command was found in ${ctx.db} (it may log to another store); link it with: exptrack tag <new-id> reproduces=${experiment.id}`);
    ctx.print(`worktree kept at ${plan.worktree} (remove it with: git -C ${shellQuote(plan.repo)} worktree remove --force ${shellQuote(plan.worktree)})`);
  }
  if (exitCode !== 0) {
    ctx.note(`exptrack: the reproduced command exited with code ${exitCode}`);
    return 1;
  }
  return 0;
}

function makePlan(ctx: CommandContext, e: Experiment): Plan {
  const env = e.environment;
  if (env === null || env.argv.length < 2) throw new CliError(`experiment ${e.id} recorded no command to run (environment capture was off)`);
  if (e.git === null) throw new CliError(`experiment ${e.id} recorded no git state, so its code cannot be checked out`);
  if (e.git.patchTruncated) throw new CliError(`the uncommitted changes of ${e.id} were recorded only in part (the patch hit its size cap), so its code cannot be restored exactly`);
  const repo = findRepo(e.git.root);
  const commit = e.git.commit;
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(commit)) throw new CliError(`experiment ${terminalSafe(e.id)} recorded a commit that is no commit id (${terminalSafe(commit.slice(0, 80))})`);
  if (spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: repo }).status !== 0) {
    throw new CliError(`commit ${commit.slice(0, 12)} of ${e.id} is not in the repository at ${repo}: fetch it first`);
  }
  // A new directory per reproduction, made only when it runs (a dry run makes nothing), named from
  // a sanitised id and always inside the temp directory, whatever the id holds.
  const safeId = e.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  const worktree = resolve(tmpdir(), `exptrack-reproduce-${safeId}-${crypto.randomUUID().slice(0, 8)}`, basename(repo).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '') || 'repo');
  const temp = resolve(tmpdir());
  if (relative(temp, worktree).startsWith('..') || isAbsolute(relative(temp, worktree))) throw new CliError(`the worktree path ${worktree} would lie outside ${temp}`);
  const inside = (p: string) => {
    const rel = relative(e.git!.root, p);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  const moved = (p: string) => (isAbsolute(p) && inside(p) ? join(worktree, relative(e.git!.root, p)) : p);
  const cwd = inside(env.cwd) ? moved(env.cwd) : worktree;
  const [, script, ...args] = env.argv as [string, string, ...string[]];
  const loader = /\.(c|m)?tsx?$/.test(script) && !/tsx|ts-node/.test(env.env.NODE_OPTIONS ?? '') ? ['--import', 'tsx'] : [];
  const command = [process.execPath, ...loader, moved(script), ...args.map(moved)];
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env.env)) if (!k.startsWith('EXPTRACK_')) childEnv[k] = v;
  childEnv[REPRODUCES_ENV] = e.id;
  if (!isPostgresUrl(ctx.db)) childEnv.EXPTRACK_DB = resolve(ctx.db);
  else childEnv.EXPTRACK_DB = ctx.db;
  const warnings: string[] = [];
  if (script.startsWith('-')) warnings.push(`the recorded command runs node with ${terminalSafe(script)}, not a script file: it runs whatever the store holds`);
  else if (!inside(isAbsolute(script) ? script : resolve(env.cwd, script))) warnings.push(`the recorded script ${terminalSafe(script)} is outside the repository`);
  const loading = Object.keys(childEnv).filter((k) => CODE_LOADING_ENV.test(k));
  if (loading.length > 0) warnings.push(`the store sets ${loading.join(', ')}, which make node (or the system) load code: read their values above`);
  return { repo, commit, patch: e.git.dirty ? e.git.patch : null, changedFiles: e.git.changedFiles, worktree, cwd, command, env: childEnv, warnings };
}

function findRepo(recordedRoot: string): string {
  for (const candidate of [recordedRoot, process.cwd()]) {
    if (!existsSync(candidate)) continue;
    const top = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: candidate, encoding: 'utf8' });
    if (top.status === 0) return top.stdout.trim();
  }
  throw new CliError(`no git repository at ${recordedRoot} (where the experiment ran) or here: run reproduce inside a clone of the repository`);
}

function git(args: string[], cwd: string): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new CliError(`cannot run git: ${r.error.message}`);
  if (r.status !== 0) throw new CliError(`git ${args[0]} failed in ${cwd}: ${firstLine(r.stderr)}`);
  return r.stdout;
}

function run(plan: Plan, env: Record<string, string>, json: boolean): Promise<number> {
  const parent = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EXPTRACK_'))) as Record<string, string>;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(plan.command[0] as string, plan.command.slice(1), {
      cwd: plan.cwd,
      env: { ...parent, ...env },
      stdio: ['inherit', json ? 2 : 'inherit', 'inherit'],
    });
    // Ctrl-C reaches the child (same process group); the CLI waits for it to finish.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.on('error', (error) => {
      process.off('SIGINT', ignore);
      reject(new CliError(`cannot run ${plan.command[0]}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignore);
      resolvePromise(code ?? (signal ? 128 + 2 : 1));
    });
  });
}

function firstLine(text: string | null | undefined): string {
  return (text ?? '').trim().split('\n')[0] ?? '';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  return value;
}

/** Quotes an argument for display in a POSIX shell. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
