import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExperimentTracker } from 'exptrack';
import { SqliteBackend } from 'exptrack/sqlite';
import { BIN, childEnv, cli, cliAsync, cliJson, makeStore, requireBuild, tempDir } from './helpers.js';

const STACK = /\n\s+at .+:\d+:\d+/;
let dir: string;
let db: string;
let ids: string[];

beforeAll(async () => {
  requireBuild();
  dir = tempDir();
  db = join(dir, 'runs.db');
  ids = await makeStore(db);
});

const run = (...args: string[]) => cli([...args, '--db', db]);

describe('help and usage', () => {
  it('lists every command in --help, and each command has its own help', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['list', 'show', 'leaderboard', 'compare', 'significance', 'export', 'import', 'stats', 'reproduce', 'eval', 'report', 'delete', 'tag', 'note', 'sync']) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    }
    const help = cli(['compare', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--alpha');
    expect(help.stdout).toContain('--db'); // global options shown on each command
  });

  it('exits 2 on usage errors: unknown command, unknown option, bad option value, missing argument', () => {
    for (const args of [['frobnicate'], ['list', '--bogus'], ['list', '--limit', 'x'], ['list', '--status', 'sleeping'], ['show'], ['significance', 'a', 'b']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/error|missing|unknown|invalid/i);
    }
    expect(cli([]).status).toBe(2);
  });
});

describe('list', () => {
  it('prints a table with id, name, status, created, duration, commit and key metrics', () => {
    const r = run('list');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED\s+DURATION\s+COMMIT\s+METRICS$/);
    expect(lines).toHaveLength(5); // header, 3 runs, count
    expect(lines[1]).toContain(ids[2]); // newest first
    expect(lines[1]).toContain('completed');
    expect(lines[1]).toMatch(/gsm8k\/accuracy=0\.55 loss=0\.04/);
    expect(r.stdout).not.toContain('\u001b['); // not a terminal: no colour
  });

  it('--json has stable keys', () => {
    const out = cliJson(['list', '--db', db]);
    expect(out.truncated).toBe(false);
    expect(out.experiments.map((e: { id: string }) => e.id)).toEqual([...ids].reverse());
    const e = out.experiments[1];
    expect(Object.keys(e).sort()).toEqual(['cost', 'createdAt', 'durationMs', 'endedAt', 'git', 'group', 'id', 'metrics', 'name', 'status', 'tags'].sort());
    // Every run records its wall time, and GPU-hours = wall hours × the GPUs it saw (none without nvidia-smi).
    expect(e.cost['compute/wall_hours']).toBeGreaterThan(0);
    expect(e.cost['compute/gpu_hours']).toBeCloseTo(e.cost['compute/gpu_count'] * e.cost['compute/wall_hours'], 12);
    expect(e).toMatchObject({ id: ids[1], name: 'lr0.00005', status: 'completed', group: 'sweep', tags: { stage: 'sft' }, git: null });
    expect(e.metrics['gsm8k/accuracy']).toBeCloseTo(0.71, 10);
    expect(e.metrics.loss).toBeCloseTo(1 / 50 + 0.01, 10);
    // The key metrics of all rows are read together: each row gets its own run's.
    const byId = new Map<string, Record<string, number>>(out.experiments.map((x: { id: string; metrics: Record<string, number> }) => [x.id, x.metrics]));
    for (const [k, accuracy] of [0.62, 0.71, 0.55].entries()) {
      const metrics = byId.get(ids[k]!)!;
      expect(Object.keys(metrics)).toEqual(['gsm8k/accuracy', 'loss']);
      expect(metrics['gsm8k/accuracy']).toBeCloseTo(accuracy, 10);
      expect(metrics.loss).toBeCloseTo(1 / 50 + k * 0.01, 10);
    }
  });

  it('filters, limits and says when more match', () => {
    const filtered = cliJson(['list', '--db', db, '--filter', 'params.learning_rate >= 5e-5 and metrics.gsm8k.accuracy > 0.65']);
    expect(filtered.experiments.map((e: { id: string }) => e.id)).toEqual([ids[1]]);
    const limited = cliJson(['list', '--db', db, '--limit', '2']);
    expect(limited.experiments).toHaveLength(2);
    expect(limited.truncated).toBe(true);
    expect(run('list', '--limit', '2').stdout).toContain('more match');
    expect(cliJson(['list', '--db', db, '--status', 'failed']).experiments).toEqual([]);
  });

  it('--sort orders by a column, --reverse the other way', () => {
    const names = (args: string[]) => cliJson(['list', '--db', db, ...args]).experiments.map((e: { name: string }) => e.name);
    expect(names(['--sort', 'name'])).toEqual(['lr0.00001', 'lr0.00005', 'lr0.0001']);
    expect(names(['--sort', 'name', '--reverse'])).toEqual(['lr0.0001', 'lr0.00005', 'lr0.00001']);
    expect(names(['--sort', 'created', '--reverse'])).toEqual(['lr0.0001', 'lr0.00005', 'lr0.00001']);
    expect(run('list', '--sort', 'loss').status).toBe(2);
  });

  it('a malformed filter is a user error: exit 1, one line, no stack trace', () => {
    const r = run('list', '--filter', 'params.lr <<< 3');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^exptrack: /);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('stores that are missing, corrupt or not ours', () => {
  it('a missing store is exit 1 and is not created by a read command', () => {
    const missing = join(dir, 'nope.db');
    for (const c of ['list', 'stats', 'leaderboard']) {
      const r = cli([c, '--metric', 'loss', '--db', missing].filter((a) => c === 'leaderboard' || a !== '--metric' && a !== 'loss'));
      expect(r.status, c).toBe(1);
      expect(r.stderr).toContain('no exptrack store at');
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it('EXPTRACK_DB names the default store', () => {
    const r = cli(['list', '--json'], { env: { EXPTRACK_DB: db } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).experiments).toHaveLength(3);
  });

  it('a corrupt file and a foreign SQLite file are exit 1 with a message, left untouched', () => {
    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'SQLite format 3\0' + 'garbage'.repeat(200));
    const before = readFileSync(corrupt);
    const r = cli(['list', '--db', corrupt]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/corrupt|not a database|not an exptrack store/);
    expect(r.stderr).not.toMatch(STACK);
    expect(readFileSync(corrupt)).toEqual(before);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello');
    const t = cli(['stats', '--db', text]);
    expect(t.status).toBe(1);
    expect(t.stderr).toContain('not an exptrack store');
  });

  it('--debug adds the stack trace', () => {
    const r = cli(['show', 'exp_nope', '--db', db, '--debug']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(STACK);
  });
});

describe('show', () => {
  it('prints config, evaluations with SE and CI, and training metrics with sparklines', () => {
    const r = run('show', ids[1] as string);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(ids[1]);
    expect(r.stdout).toMatch(/learning_rate\s+5\.00e-5/);
    expect(r.stdout).toMatch(/gsm8k\s+accuracy\s+0\.710\s+0\.032\s+\[0\.6\d*, 0\.7\d*\]\s+200/);
    expect(r.stdout).toMatch(/loss\s+50\s+0-49\s+1\.01\s+0\.03\s+0\.03\s+1\.01\s+█[▇▆▅▄▃▂▁]+▁/);
    expect(r.stdout).toContain('tags        stage=sft');
  });

  it('--json holds the experiment, metric figures, evaluations and checkpoints', () => {
    const out = cliJson(['show', ids[0] as string, '--db', db]);
    expect(out.experiment.id).toBe(ids[0]);
    expect(out.experiment.config).toEqual({ learning_rate: 1e-4, lora_rank: 8, seed: 0 });
    expect(out.metrics[0]).toMatchObject({ key: 'loss', count: 50, first: 1, firstStep: 0, lastStep: 49 });
    const score = out.evaluations[0].scores[0];
    expect(score).toMatchObject({ metric: 'accuracy', n: 200, uncertainty: 'samples' });
    expect(score.value).toBeCloseTo(0.62, 10);
    expect(score.ci[0]).toBeLessThan(0.62);
    expect(score.ci[1]).toBeGreaterThan(0.62);
    expect(out.checkpoints).toEqual([]);
  });

  it('takes a unique prefix; an ambiguous one lists the candidates; an unknown id is exit 1', () => {
    const unique = ids[1]!.slice(0, -3);
    const sameSecond = ids.filter((id) => id.startsWith(unique));
    if (sameSecond.length === 1) expect(run('show', unique).status).toBe(0);
    const ambiguous = run('show', 'exp_');
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toContain('ambiguous');
    for (const id of ids) expect(ambiguous.stderr).toContain(id);
    const unknown = run('show', 'exp_does_not_exist');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('exptrack: no experiment with id or name "exp_does_not_exist" (run `exptrack list` to see ids and names)\n');
  });

  it('takes a unique name or name prefix wherever an id goes; an ambiguous name lists the runs', () => {
    expect(cliJson(['show', 'lr0.00005', '--db', db]).experiment.id).toBe(ids[1]);
    expect(cliJson(['show', 'lr0.00001', '--db', db]).experiment.id).toBe(ids[2]);
    expect(cliJson(["show", "lr0.0001", "--db", db]).experiment.id).toBe(ids[0]);
    const vague = run('show', 'lr');
    expect(vague.status).toBe(1);
    expect(vague.stderr).toContain('name prefix "lr" is ambiguous');
    for (const id of ids) expect(vague.stderr).toContain(id);
    expect(run('compare', 'lr0.00005', 'lr0.00001').status).toBe(0);
  });
});

describe('leaderboard, compare, significance', () => {
  it('leaderboard ranks with error bars, as a table and as JSON', () => {
    const r = run('leaderboard', '--benchmark', 'gsm8k');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('Leaderboard: gsm8k accuracy, higher is better, 95% CI');
    expect(lines[1]).toMatch(/^#\s+ID\s+NAME\s+SCORE\s+± SE\s+CI\s+N\s+learning_rate$/);
    expect(lines[2]).toMatch(new RegExp(`^1\\s+${ids[1]}\\s+lr0.00005\\s+0\\.710\\s+0\\.032\\s+\\[.+\\]\\s+200\\s+5.00e-5$`));
    const out = cliJson(['leaderboard', '--benchmark', 'gsm8k', '--metric', 'accuracy', '--db', db]);
    expect(out.rows.map((row: { id: string }) => row.id)).toEqual([ids[1], ids[0], ids[2]]);
    expect(out.rows[0].rank).toBe(1);
    const top = cliJson(['leaderboard', '--metric', 'loss', '--top', '1', '--db', db]);
    expect(top.rows).toHaveLength(1);
    expect(top.rows[0].id).toBe(ids[0]);
    expect(top.order).toBe('asc');
    expect(cliJson(['leaderboard', '--benchmark', 'gsm8k', '--by-group', '--db', db]).rows[0]).toMatchObject({ group: 'sweep', runs: 3 });
    expect(run('leaderboard').status).toBe(2);
  });

  it('leaderboard names an unknown benchmark or metric as a user error, with the closest known names', () => {
    const benchmark = run('leaderboard', '--benchmark', 'gsm8');
    expect(benchmark.status).toBe(1);
    expect(benchmark.stderr).toBe('exptrack: unknown benchmark "gsm8" (did you mean gsm8k?); known: gsm8k\n');
    const metric = run('leaderboard', '--benchmark', 'gsm8k', '--metric', 'acc');
    expect(metric.status).toBe(1);
    expect(metric.stderr).toBe('exptrack: unknown metric of gsm8k "acc" (did you mean accuracy?); known: accuracy\n');
    const training = run('leaderboard', '--metric', 'los', '--json');
    expect(training.status).toBe(1);
    expect(training.stderr).toBe('exptrack: unknown training metric "los" (did you mean loss?); known: loss\n');
    const filteredOut = run('leaderboard', '--benchmark', 'gsm8k', '--filter', 'params.learning_rate > 1');
    expect(filteredOut.status).toBe(0);
    expect(filteredOut.stdout).toContain('no runs have gsm8k accuracy');
  });

  it('compare shows config differences, the best marked, the winner with its improvement, and significance', () => {
    const r = run('compare', ids[0] as string, ids[1] as string, ids[2] as string);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Configuration differences');
    expect(r.stdout).toMatch(/learning_rate\s+1\.00e-4\s+5\.00e-5\s+1\.00e-5/);
    expect(r.stdout).toMatch(/gsm8k\/accuracy ↑\s+0\.620 ± 0\.034\s+0\.710 ± 0\.032 ★\s+0\.550 ± 0\.035/);
    expect(r.stdout).toMatch(/loss ↓\s+0\.02 ★/);
    expect(r.stdout).toMatch(new RegExp(`Winner: lr0.00005 ${ids[1]} on gsm8k/accuracy: 0.71 vs 0.62, \\+0.09 \\(\\+14.5%\\) over the baseline, p = [\\d.e-]+, significant at alpha = 0.05`));
    expect(r.stdout).toMatch(/gsm8k\/accuracy\s+lr0\.00005\s+\+0\.09\s+\[.+\]\s+[\d.e-]+\s+[\d.e-]+\s+mcnemar \(200 paired\)\s+significant/);
    const out = cliJson(['compare', ids[0] as string, ids[1] as string, '--db', db]);
    expect(out.baseline).toBe(ids[0]);
    expect(out.configDifferences).toEqual([{ key: 'learning_rate', values: [1e-4, 5e-5] }]);
    expect(out.winner).toMatchObject({ id: ids[1], benchmark: 'gsm8k', metric: 'accuracy', significant: true });
    expect(out.winner.improvement).toBeCloseTo(0.09, 10);
    expect(run('compare', ids[0] as string).status).toBe(2);
  });

  it('significance says which test and why, the difference with its CI, the p-value, a verdict and the detectable effect', () => {
    const r = run('significance', ids[0] as string, ids[1] as string, '--benchmark', 'gsm8k');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/test\s+McNemar/);
    expect(r.stdout).toMatch(/why\s+paired on 200 shared items/);
    expect(r.stdout).toMatch(/difference B-A\s+\+0\.09 ± /);
    expect(r.stdout).toMatch(/discordant\s+only A right: 0, only B right: 18/);
    expect(r.stdout).toMatch(/min\. detectable\s+[\d.]+ at 80% power/);
    expect(r.stdout).toContain('significant at alpha = 0.05');
    const out = cliJson(['significance', ids[0] as string, ids[1] as string, '--benchmark', 'gsm8k', '--method', 'paired-t', '--alpha', '0.01', '--db', db]);
    expect(out).toMatchObject({ experimentA: ids[0], experimentB: ids[1], method: 'paired-t', paired: true, n: 200, alpha: 0.01 });
    expect(out.difference).toBeCloseTo(0.09, 10);
    expect(out.pValue).toBeLessThan(0.01);
    const none = run('significance', ids[0] as string, ids[1] as string, '--benchmark', 'math');
    expect(none.status).toBe(1);
    expect(none.stderr).not.toMatch(STACK);
  });
});

describe('stats, export and import, report', () => {
  it('stats counts what the store holds', () => {
    const out = cliJson(['stats', '--db', db]);
    expect(out).toMatchObject({ experiments: 3, metricPoints: 150, evaluations: 3, samples: 600, checkpoints: 0 });
    expect(out.byStatus.completed).toBe(3);
    expect(out.sizeBytes).toBeGreaterThan(0);
    expect(run('stats').stdout).toMatch(/per-sample rows\s+600/);
  });

  it('export --all then import restores every experiment into another store', () => {
    const file = join(dir, 'all.json');
    const e = cliJson(['export', '--all', '--output', file, '--db', db]);
    expect(e).toMatchObject({ experiments: 3, format: 'json' });
    const copy = join(dir, 'copy.db');
    const imported = cliJson(['import', file, '--db', copy]);
    expect(imported.imported.sort()).toEqual([...ids].sort());
    expect(cliJson(['list', '--db', copy]).experiments).toHaveLength(3);
    const again = cli(['import', file, '--db', copy]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^exptrack: experiment exp_\S+ exists already in the store; nothing was imported \(pass --skip-existing to leave out the runs it holds\)\n$/);
    expect(cliJson(['import', file, '--skip-existing', '--db', copy]).skipped).toHaveLength(3);
    const original = cliJson(['show', ids[1] as string, '--db', db]);
    const restored = cliJson(['show', ids[1] as string, '--db', copy]);
    expect(restored.evaluations).toEqual(original.evaluations);
  });

  it('export of one experiment as CSV, to stdout', () => {
    const r = run('export', ids[0] as string, '--format', 'csv');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\r\n');
    expect(lines[0]).toBe('key,step,value,timestamp,rank');
    expect(lines).toHaveLength(51);
    expect(lines[1]).toMatch(/^loss,0,1,\d+,0$/);
    expect(run('export').status).toBe(2);
    expect(run('export', ids[0] as string, '--all').status).toBe(2);
    expect(run('export', ids[0] as string, '--filter', 'params.seed = 0').status).toBe(2);
  });

  it('export --all as CSV: one file of every run\'s metric points with an experiment_id column, oldest run first', () => {
    const file = join(dir, 'all.csv');
    expect(cliJson(['export', '--all', '--format', 'csv', '--output', file, '--db', db])).toMatchObject({ experiments: 3, format: 'csv' });
    const lines = readFileSync(file, 'utf8').split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('experiment_id,key,step,value,timestamp,rank');
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows).toHaveLength(150);
    expect([...new Set(rows.map((r) => r[0]))]).toEqual(ids);
    for (const [k, id] of ids.entries()) {
      const mine = rows.filter((r) => r[0] === id);
      expect(mine.map((r) => Number(r[2]))).toEqual(Array.from({ length: 50 }, (_, s) => s));
      expect(mine.every((r) => r[1] === 'loss' && r[5] === '0')).toBe(true);
      expect(Number(mine[9]![3])).toBeCloseTo(1 / 10 + k * 0.01, 12);
    }
  });

  it('export --all as wide CSV, with --filter, to stdout', () => {
    const r = run('export', '--all', '--format', 'csv', '--layout', 'wide', '--filter', 'params.learning_rate < 1e-4');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines[0]).toBe('experiment_id,step,loss');
    expect(lines).toHaveLength(1 + 2 * 50 + 1);
    expect(lines[1]).toBe(`${ids[1]},0,1.01`);
    expect(lines[51]).toBe(`${ids[2]},0,1.02`);
    expect(run('export', '--all', '--format', 'csv', '--filter', 'params.learning_rate > 1').stdout).toBe('experiment_id,key,step,value,timestamp,rank\r\n');
  });

  it('report writes Markdown and HTML with inline SVG curves, the evaluation table and a baseline comparison', () => {
    const md = run('report', ids[1] as string, '--baseline', ids[0] as string);
    expect(md.status).toBe(0);
    expect(md.stdout).toMatch(/^# Experiment lr0\.00005/);
    expect(md.stdout).toMatch(/\| gsm8k \| - \| accuracy \| 0\.710 \| 0\.032 \| \[0\.6\d*, 0\.7\d*\] \| 200 \|/);
    expect(md.stdout).toContain('## Comparison with baseline lr0.0001');
    expect(md.stdout).toMatch(/\| learning_rate \| 1\.00e-4 \| 5\.00e-5 \|/);
    expect(md.stdout).toMatch(/\| gsm8k\/accuracy \| 0\.62 \| 0\.71 \| \+0\.09 \(\+14\.5%\) \| [\d.e-]+ \| significant at 0\.05 \|/);
    const file = join(dir, 'report.html');
    expect(run('report', ids[1] as string, '--format', 'html', '--output', file).status).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toMatch(/<svg [^>]*aria-label="loss"[^>]*>.*<polyline [^>]*points="[\d.]+,[\d.]+ /s);
    expect(html).toContain('<td>accuracy</td><td>0.710</td><td>0.032</td>');
    // Curves come before the record of how the run was made, as on the dashboard's run page; the
    // table's curve column is an SVG sparkline (Unicode blocks drew as solid bars), and it prints.
    expect(html.indexOf('<h2>Training curves</h2>')).toBeLessThan(html.indexOf('<h2>Config</h2>'));
    expect(html.indexOf('<h2>Evaluations</h2>')).toBeLessThan(html.indexOf('<h2>Git</h2>'));
    expect(html).toMatch(/<td><svg [^>]*class="spark"[^>]*><polyline /);
    expect(html).not.toMatch(/[▁▂▃▄▅▆▇█]/);
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|<link |src="http/);
    expect(md.stdout).toMatch(/\| loss \| 50 \|.*[▁▂▃▄▅▆▇█]+ \|/);
  });
});

describe('tag, note, delete', () => {
  it('tag sets and removes tags; note sets notes; both validate', () => {
    expect(cliJson(['tag', ids[0] as string, 'reviewed=yes', 'baseline', '--db', db]).tags).toEqual({ stage: 'sft', reviewed: 'yes', baseline: '' });
    expect(cliJson(['tag', ids[0] as string, '--remove', 'baseline', '--db', db]).tags).toEqual({ stage: 'sft', reviewed: 'yes' });
    expect(run('tag', ids[0] as string).status).toBe(2);
    expect(cliJson(['note', ids[0] as string, 'first', 'try', '--db', db]).notes).toBe('first try');
    expect(cliJson(['note', ids[0] as string, 'second', '--append', '--db', db]).notes).toBe('first try\nsecond');
    const shown = cliJson(['show', ids[0] as string, '--db', db]).experiment;
    expect(shown).toMatchObject({ status: 'completed', notes: 'first try\nsecond', tags: { reviewed: 'yes' } });
  });

  it('delete asks first (and refuses without a terminal unless --yes)', () => {
    const copy = join(dir, 'delete.db');
    const file = join(dir, 'for-delete.json');
    cliJson(['export', '--all', '--output', file, '--db', db]);
    cliJson(['import', file, '--db', copy]);
    const refused = cli(['delete', ids[2] as string, '--db', copy]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('--yes');
    expect(cliJson(['delete', ids[2] as string, '--yes', '--db', copy]).deleted).toEqual([ids[2]]);
    expect(cliJson(['list', '--db', copy]).experiments).toHaveLength(2);
    expect(cli(['show', ids[2] as string, '--db', copy]).status).toBe(1);
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('delete on a terminal asks, and deletes only after a yes', () => {
    const copy = join(dir, 'delete-asked.db');
    const file = join(dir, 'for-delete-asked.json');
    cliJson(['export', '--all', '--output', file, '--db', db]);
    cliJson(['import', file, '--db', copy]);
    const onTty = (answer: string) =>
      spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} delete ${ids[0]} --no-color --db ${JSON.stringify(copy)}`, '/dev/null'], {
        encoding: 'utf8', env: childEnv(), timeout: 60_000, input: answer,
      });
    const no = onTty('n\n');
    expect(no.stdout).toContain('[y/N]');
    expect(no.stdout).toContain('nothing deleted');
    expect(cliJson(['list', '--db', copy]).experiments).toHaveLength(3);
    expect(onTty('y\n').stdout).toContain(`deleted 1 experiment: ${ids[0]}`);
    expect(cliJson(['list', '--db', copy]).experiments).toHaveLength(2);
  });
});

describe('colour', () => {
  it('is off when stdout is not a terminal, and NO_COLOR / --no-color are accepted', () => {
    for (const extra of [[], ['--no-color']]) {
      const r = run('list', ...extra);
      expect(r.status).toBe(0);
      expect(r.stdout).not.toContain('\u001b[');
    }
    expect(cli(['list', '--db', db], { env: { NO_COLOR: '1' } }).stdout).not.toContain('\u001b[');
  });

  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasScript)('is on when stdout is a terminal (util-linux script gives it one), unless --no-color or NO_COLOR', () => {
    const onTty = (args: string, env: Record<string, string> = {}) =>
      spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args} --db ${JSON.stringify(db)}`, '/dev/null'], { encoding: 'utf8', env: childEnv(env), timeout: 60_000 }).stdout;
    const coloured = onTty('list');
    expect(coloured).toContain('\u001b[32mcompleted\u001b[39m');
    expect(coloured).toMatch(/\u001b\[1mID\u001b\[22m {26}\u001b\[1mNAME/); // colour codes take no columns
    expect(onTty('list --no-color')).not.toContain('\u001b[');
    expect(onTty('list', { NO_COLOR: '1' })).not.toContain('\u001b[');
  });
});

describe('archived runs', () => {
  it('are hidden from list and leaderboard until --archived, and come back when the tag goes', async () => {
    const store = join(dir, 'archive.db');
    const runs = await makeStore(store);
    expect(cli(['tag', runs[1] as string, 'archived', '--db', store]).status).toBe(0);
    const listed = (args: string[]) => cliJson(['list', '--db', store, ...args]).experiments.map((e: { id: string }) => e.id).sort();
    expect(listed([])).toEqual([runs[0], runs[2]].sort());
    expect(listed(['--archived'])).toEqual([...runs].sort());
    const ranked = (args: string[]) => cliJson(['leaderboard', '--benchmark', 'gsm8k', '--db', store, ...args]).rows.map((r: { id: string }) => r.id);
    expect(ranked([])).toEqual([runs[0], runs[2]]);
    expect(ranked(['--archived'])).toEqual([runs[1], runs[0], runs[2]]);
    expect(cli(['tag', runs[1] as string, '--remove', 'archived', '--db', store]).status).toBe(0);
    expect(listed([])).toEqual([...runs].sort());
  });
});

describe('metric goals in compare', () => {
  it('stars and ranks a loss, never a logged constant such as a learning rate, unless its goal is declared', async () => {
    const goals = join(dir, 'goals.db');
    const ids: string[] = [];
    for (const [lr, loss] of [[0.3, 1.2], [0.0003, 0.9]] as const) {
      const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: goals })], captureGit: false, handleProcessEvents: false });
      ids.push(await tracker.startExperiment({}, { name: `lr-${lr}` }));
      tracker.defineMetric('val_bpb', { goal: 'minimize' });
      for (let s = 0; s < 3; s++) tracker.logMetrics({ lr, loss: loss + (2 - s) * 0.1, val_bpb: loss }, s);
      await tracker.finishExperiment({ status: 'completed' });
      await tracker.close();
    }
    const r = cli(['compare', ids[0] as string, ids[1] as string, '--db', goals]);
    expect(r.status, r.stderr).toBe(0);
    const lrLine = r.stdout.split('\n').find((line) => line.startsWith('lr '));
    expect(lrLine).toMatch(/^lr\s+0\.3\s+3\.00e-4$/);
    expect(r.stdout).toMatch(/loss ↓\s+1\.2\s+0\.9 ★/);
    expect(r.stdout).toMatch(/val_bpb ↓\s+1\.2\s+0\.9 ★/);
    const json = cliJson(['compare', ids[0] as string, ids[1] as string, '--db', goals]);
    const lr = json.metrics.find((m: { metric: string }) => m.metric === 'lr');
    expect(lr).toMatchObject({ better: null, winner: null });
    expect(lr.deltas[1]).toMatchObject({ improvement: null, relative: null });
  });
});

describe('a closed pipe', () => {
  it('ends the command quietly with exit 0, as `| head` expects', async () => {
    const big = join(dir, 'big.db');
    const tracker = new ExperimentTracker({ backends: [new SqliteBackend({ path: big })], captureGit: false, handleProcessEvents: false });
    const id = await tracker.startExperiment({}, { name: 'long' });
    for (let s = 0; s < 20_000; s++) tracker.logMetrics({ loss: 1 / (s + 1) }, s);
    await tracker.finishExperiment({ status: 'completed' });
    await tracker.close();
    const { child, done } = cliAsync(['export', id, '--format', 'csv', '--db', big]);
    await new Promise<void>((resolveFirst) => child.stdout.once('data', () => resolveFirst()));
    child.stdout.destroy(); // what `head` does after its lines
    const result = await done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
