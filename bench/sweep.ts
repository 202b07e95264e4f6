/**
 * Sampler quality and speed of exptrack/sweep, printed as tables beside Optuna's reference figures
 * (issue 8: Optuna 5.0 on this machine, seeds 0-29, median regret). Asserts nothing.
 *
 *   npx tsx bench/sweep.ts           # seeds 0-29, budgets 50 and 100
 *   npx tsx bench/sweep.ts --quick   # seeds 0-9
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Sweep, uniform, type SearchSpace } from 'exptrack/sweep';

interface Problem {
  name: string;
  space: SearchSpace;
  f: (x: number[]) => number;
  min: number;
  /** Optuna medians [50, 100] for TPE multivariate, TPE independent, random. */
  optuna: { mv: [number, number]; ind: [number, number]; rnd: [number, number] };
}

const box = (d: number, lo: number, hi: number): SearchSpace =>
  Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, uniform(lo, hi)]));

const H3A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]];
const H3P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]].map((r) => r.map((v) => v * 1e-4));
const H6A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));
const ALPHA = [1, 1.2, 3, 3.2];

function hartmann(x: number[], A: number[][], P: number[][]): number {
  let s = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < x.length; j++) inner += (A[i]![j] as number) * ((x[j] as number) - (P[i]![j] as number)) ** 2;
    s += (ALPHA[i] as number) * Math.exp(-inner);
  }
  return -s;
}

const problems: Problem[] = [
  {
    name: 'Branin',
    space: { x0: uniform(-5, 10), x1: uniform(0, 15) },
    f: ([x1, x2]) => {
      const a = x1 as number;
      const b = x2 as number;
      return (b - (5.1 / (4 * Math.PI ** 2)) * a * a + (5 / Math.PI) * a - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(a) + 10;
    },
    min: 0.397887357729738,
    optuna: { mv: [0.131, 0.0204], ind: [0.27, 0.0584], rnd: [0.766, 0.49] },
  },
  {
    name: 'Hartmann-3',
    space: box(3, 0, 1),
    f: (x) => hartmann(x, H3A, H3P),
    min: -3.86278214782076,
    optuna: { mv: [0.0707, 0.0125], ind: [0.0884, 0.029], rnd: [0.581, 0.298] },
  },
  {
    name: 'Hartmann-6',
    space: box(6, 0, 1),
    f: (x) => hartmann(x, H6A, H6P),
    min: -3.32236801141551,
    optuna: { mv: [0.344, 0.129], ind: [0.7, 0.313], rnd: [1.58, 1.2] },
  },
  {
    name: 'Rosenbrock-4D',
    space: box(4, -5, 10),
    f: (x) => {
      let s = 0;
      for (let i = 0; i < x.length - 1; i++) s += 100 * ((x[i + 1] as number) - (x[i] as number) ** 2) ** 2 + (1 - (x[i] as number)) ** 2;
      return s;
    },
    min: 0,
    optuna: { mv: [192, 40.3], ind: [253, 95.8], rnd: [2800, 859] },
  },
  {
    name: 'Styblinski-Tang-5D',
    space: box(5, -5, 5),
    f: (x) => 0.5 * x.reduce((s, v) => s + v ** 4 - 16 * v * v + 5 * v, 0),
    min: -39.16616570377142 * 5,
    optuna: { mv: [40.4, 31.1], ind: [38.4, 26.5], rnd: [63.4, 54.0] },
  },
  {
    name: 'Ackley-5D',
    space: box(5, -32.768, 32.768),
    f: (x) => {
      const n = x.length;
      const sq = x.reduce((s, v) => s + v * v, 0) / n;
      const cs = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / n;
      return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cs) + 20 + Math.E;
    },
    min: 0,
    optuna: { mv: [11.4, 6.62], ind: [14.7, 11.1], rnd: [17.9, 17.0] },
  },
];

type Algo = 'mv' | 'ind' | 'rnd';
const ALGOS: { key: Algo; label: string; sampler: 'tpe' | 'random'; multivariate: boolean }[] = [
  { key: 'mv', label: 'TPE multivariate', sampler: 'tpe', multivariate: true },
  { key: 'ind', label: 'TPE independent', sampler: 'tpe', multivariate: false },
  { key: 'rnd', label: 'random', sampler: 'random', multivariate: false },
];
const BUDGETS = [50, 100] as const;

/** Best-so-far regret at each budget for one run. */
function run(problem: Problem, algo: (typeof ALGOS)[number], seed: number): number[] {
  const sweep = new Sweep({ space: problem.space, direction: 'minimize', sampler: algo.sampler, multivariate: algo.multivariate, seed });
  const names = Object.keys(problem.space).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  let best = Infinity;
  const out: number[] = [];
  const last = BUDGETS[BUDGETS.length - 1] as number;
  for (let i = 1; i <= last; i++) {
    const trial = sweep.ask();
    const x = names.map((n) => trial.params[n] as number);
    const y = problem.f(x);
    sweep.tell(trial, y);
    best = Math.min(best, y);
    if ((BUDGETS as readonly number[]).includes(i)) out.push(best - problem.min);
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const geo = (xs: number[]) => Math.exp(xs.reduce((s, v) => s + Math.log(v), 0) / xs.length);
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));

const quick = process.argv.includes('--quick');
const seeds = Array.from({ length: quick ? 10 : 30 }, (_, i) => i);
const started = performance.now();
// medians[problem][algo][budgetIndex]
const medians = new Map<string, Record<Algo, number[]>>();
for (const problem of problems) {
  const row = {} as Record<Algo, number[]>;
  for (const algo of ALGOS) {
    const runs = seeds.map((s) => run(problem, algo, s));
    row[algo.key] = BUDGETS.map((_, b) => median(runs.map((r) => r[b] as number)));
  }
  medians.set(problem.name, row);
}
const elapsed = (performance.now() - started) / 1000;

const lines: string[] = [];
lines.push(`exptrack/sweep sampler bench: median regret over seeds ${seeds[0]}-${seeds[seeds.length - 1]} (ours / Optuna = ratio)`);
for (const [b, budget] of BUDGETS.entries()) {
  lines.push('');
  lines.push(`budget ${budget} trials`);
  const header = ['function', ...ALGOS.map((a) => a.label)];
  const rows: string[][] = [];
  const ratios: Record<Algo, number[]> = { mv: [], ind: [], rnd: [] };
  const beats: string[] = [];
  for (const problem of problems) {
    const mine = medians.get(problem.name) as Record<Algo, number[]>;
    rows.push([
      problem.name,
      ...ALGOS.map((a) => {
        const m = mine[a.key][b] as number;
        const o = problem.optuna[a.key][b] as number;
        const r = m / o;
        ratios[a.key].push(r);
        return `${fmt(m)} / ${fmt(o)} = ${r.toFixed(2)}`;
      }),
    ]);
    for (const a of ['mv', 'ind'] as const) {
      if (!((mine[a][b] as number) < (mine.rnd[b] as number))) beats.push(`${problem.name} (${a})`);
    }
  }
  rows.push(['geo-mean ratio', ...ALGOS.map((a) => geo(ratios[a.key]).toFixed(2))]);
  rows.push(['max ratio', ...ALGOS.map((a) => Math.max(...ratios[a.key]).toFixed(2))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ');
  lines.push(line(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) lines.push(line(r));
  const tpeGeo = Math.max(geo(ratios.mv), geo(ratios.ind));
  const tpeMax = Math.max(...ratios.mv, ...ratios.ind);
  const rndGeo = geo(ratios.rnd);
  lines.push(
    `targets: TPE geo-mean <= 1.5: ${tpeGeo <= 1.5 ? 'met' : 'MISSED'} (${tpeGeo.toFixed(2)}); no TPE ratio > 3: ${tpeMax <= 3 ? 'met' : 'MISSED'} (max ${tpeMax.toFixed(2)}); ` +
      `TPE < random everywhere: ${beats.length === 0 ? 'met' : `MISSED on ${beats.join(', ')}`}; random geo-mean in 0.75-1.33: ${rndGeo >= 0.75 && rndGeo <= 1.33 ? 'met' : 'MISSED'} (${rndGeo.toFixed(2)})`,
  );
}
lines.push('');
lines.push(`quality runs: ${elapsed.toFixed(1)} s wall; load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs`);

// Speed: ask() at trial 1,000 with 999 finished trials (Hartmann-6 space).
const h6 = problems[2] as Problem;
for (const multivariate of [false, true]) {
  const sweep = new Sweep({ space: h6.space, direction: 'minimize', sampler: 'tpe', multivariate, seed: 0 });
  const filler = new Sweep({ space: h6.space, direction: 'minimize', sampler: 'random', seed: 1 });
  const names = Object.keys(h6.space);
  for (let i = 0; i < 999; i++) {
    const params = filler.ask().params;
    sweep.enqueue(params);
    const t = sweep.ask();
    sweep.tell(t, h6.f(names.map((n) => t.params[n] as number)));
  }
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 7; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const t = sweep.ask();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    sweep.tell(t, h6.f(names.map((n) => t.params[n] as number)));
  }
  const ms = median(times);
  lines.push(
    `ask() at trial ~1,000 with 999+ finished (TPE ${multivariate ? 'multivariate' : 'independent'}, 6 params): ` +
      `median ${ms.toFixed(2)} ms wall, ${median(cpu).toFixed(2)} ms CPU, of 7 asks (target < 50 ms: ${ms < 50 ? 'met' : 'MISSED'})`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
