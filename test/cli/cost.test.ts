import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteBackend } from 'exptrack/sqlite';
import { evaluation, started } from '../ui/fixtures.js';
import { cli, cliJson, requireBuild, tempDir } from './helpers.js';

/** Four runs with known costs: cheap and good, dear and best, dearest and worst, and one without a cost. */
async function costStore(db: string): Promise<void> {
  const cost = (usd: number, gpuHours: number, extra: Record<string, number> = {}) => ({
    summary: { 'compute/wall_hours': gpuHours / 2, 'compute/gpu_count': 2, 'compute/gpu_hours': gpuHours, 'compute/gpu_name': 'NVIDIA A100-SXM4-80GB', 'cost/usd': usd, ...extra },
  });
  const store = new SqliteBackend({ path: db });
  await store.init();
  await store.write([
    started('exp_a', { lr: 0.01 }, { name: 'cheap', group: 'g1', ...cost(2, 0.8, { 'tokens/prompt': 1000, 'tokens/completion': 200, 'cost/eval_usd': 0.5, 'cost/compute_usd': 1.5 }) }),
    started('exp_b', { lr: 0.003 }, { name: 'best', group: 'g1', ...cost(6, 2.4) }),
    started('exp_c', { lr: 0.1 }, { name: 'dear', group: 'g2', ...cost(8, 3.2) }),
    started('exp_d', { lr: 0.3 }, { name: 'unpriced', group: 'g2' }),
    evaluation('exp_a', 'qa', { accuracy: 0.7 }, []),
    evaluation('exp_b', 'qa', { accuracy: 0.8 }, []),
    evaluation('exp_c', 'qa', { accuracy: 0.6 }, []),
    evaluation('exp_d', 'qa', { accuracy: 0.9 }, []),
  ]);
  await store.close();
}

describe('GPU-hours and dollars in the CLI', { timeout: 60_000 }, () => {
  let db: string;
  const run = (...args: string[]) => cli(['--db', db, ...args]);
  const json = (...args: string[]) => cliJson(['--db', db, ...args]);

  beforeAll(async () => {
    requireBuild();
    db = join(tempDir(), 'runs.db');
    await costStore(db);
  });

  it('leaderboard --per-dollar ranks by score per dollar, marks the Pareto front, and leaves out runs without a cost', () => {
    const board = json('leaderboard', '--benchmark', 'qa', '--per-dollar');
    expect(board.rows.map((r: { id: string }) => r.id)).toEqual(['exp_a', 'exp_b', 'exp_c']);
    expect(board.rows[0].scorePerDollar).toBeCloseTo(0.35, 12);
    expect(board.rows.map((r: { paretoOptimal: boolean }) => r.paretoOptimal)).toEqual([true, true, false]);
    expect(board.rows[1].cost).toEqual({ 'compute/wall_hours': 1.2, 'compute/gpu_count': 2, 'compute/gpu_hours': 2.4, 'compute/gpu_name': 'NVIDIA A100-SXM4-80GB', 'cost/usd': 6 });
    expect(board.excluded).toEqual([{ id: 'exp_d', reason: 'no cost/usd recorded' }]);
    const text = run('leaderboard', '--benchmark', 'qa', '--per-dollar', '--top', '2').stdout;
    expect(text).toMatch(/1 +cheap exp_a +0\.7 +\$2\.00 +0\.8 +0\.35 +◆/);
    expect(text).not.toContain('exp_c ');
    // Without --per-dollar the ranking is by score, with cost columns.
    expect(run('leaderboard', '--benchmark', 'qa').stdout).toMatch(/GPU-H +COST/);
  });

  it('leaderboard --per-dollar refuses a lower-is-better metric', () => {
    const r = run('leaderboard', '--metric', 'loss', '--per-dollar');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--per-dollar');
  });

  it('stats totals GPU-hours, tokens and dollars, overall and by group', () => {
    const s = json('stats');
    expect(s.gpu_hours).toBeCloseTo(6.4, 12);
    expect(s.cost_usd).toBe(16);
    expect(s.tokens).toBe(1200);
    expect(s.runs_with_cost).toBe(3);
    expect(s.by_group.g1).toEqual({ runs: 2, gpu_hours: expect.closeTo(3.2, 12), tokens: 1200, cost_usd: 8 });
    expect(s.by_group.g2).toEqual({ runs: 1, gpu_hours: 3.2, tokens: 0, cost_usd: 8 });
    expect(run('stats').stdout).toMatch(/cost +\$16\.00 \(3 runs/);
  });

  it('list filters on summary.cost/usd and shows the cost columns', () => {
    const listed = json('list', '--filter', 'summary.cost/usd < 5');
    expect(listed.experiments.map((e: { id: string }) => e.id)).toEqual(['exp_a']);
    expect(listed.experiments[0].cost['cost/usd']).toBe(2);
    const text = run('list').stdout;
    expect(text).toMatch(/GPU-H +COST/);
    expect(text).toMatch(/exp_c .* 3\.2 +\$8\.00/);
  });

  it('show, compare and report say what a run used and cost', () => {
    expect(run('show', 'exp_a').stdout).toContain('compute     2 × NVIDIA A100-SXM4-80GB, 0.4 wall hours, 0.8 GPU-hours, 1000 prompt + 200 completion tokens, $2.00 (compute $1.50 + evaluation $0.5)');
    expect(json('show', 'exp_a').cost['tokens/prompt']).toBe(1000);
    const compared = json('compare', 'exp_a', 'exp_b');
    expect(compared.experiments.map((e: { cost: Record<string, number> }) => e.cost['cost/usd'])).toEqual([2, 6]);
    expect(run('compare', 'exp_a', 'exp_b').stdout).toMatch(/Compute and cost[\s\S]*GPU-hours +0\.8 +2\.4[\s\S]*cost +\$2\.00 +\$6\.00/);
    expect(run('report', 'exp_a').stdout).toContain('| compute and cost | 2 × NVIDIA A100-SXM4-80GB');
  });
});
