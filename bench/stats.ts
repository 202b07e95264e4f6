/**
 * Speed of the statistics library of exptrack/analysis. Run: npx tsx bench/stats.ts
 * Prints the median wall time and the median CPU time (user + system, this process) of a few runs
 * per case next to its target; on a shared, busy machine the CPU time is the fairer number. Numbers
 * only: the unit tests never assert timings.
 */
import {
  bootstrapCI,
  createRandom,
  pairedBootstrap,
  permutationTest,
  studentTQuantile,
  studentTSf,
  welchTTest,
} from '../src/analysis/stats/index.js';

interface Case {
  name: string;
  target?: number;
  runs: number;
  fn: () => unknown;
}

const rng = createRandom(2024);
// GSM8K-sized eval: 1,319 items, two models with correlated per-item 0/1 scores
const n = 1319;
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < n; i++) {
  const hard = rng.next() < 0.3;
  a.push(rng.next() < (hard ? 0.45 : 0.9) ? 1 : 0);
  b.push(rng.next() < (hard ? 0.35 : 0.85) ? 1 : 0);
}
const paired20a = Array.from({ length: 20 }, () => rng.next());
const paired20b = paired20a.map((v) => v - 0.1 + 0.3 * rng.next());
const indep = Array.from({ length: 23 }, () => rng.next());

const cases: Case[] = [
  { name: 'pairedBootstrap, 10,000 resamples, n = 1,319 (percentile)', target: 200, runs: 5, fn: () => pairedBootstrap(a, b, { resamples: 10000 }) },
  { name: 'pairedBootstrap, 10,000 resamples, n = 1,319 (BCa)', target: 200, runs: 5, fn: () => pairedBootstrap(a, b, { resamples: 10000, method: 'bca' }) },
  { name: 'bootstrapCI mean, 10,000 resamples, n = 1,319', runs: 5, fn: () => bootstrapCI(a, { resamples: 10000 }) },
  {
    name: 'permutationTest exact paired, 2^20 = 1,048,576 sign flips',
    target: 1000,
    runs: 3,
    fn: () => permutationTest(paired20a, paired20b, { paired: true, maxExact: 2 ** 20 }),
  },
  {
    name: 'permutationTest exact independent, C(23,11) = 1,352,078 splits',
    target: 1000,
    runs: 3,
    fn: () => permutationTest(indep.slice(0, 11), indep.slice(11), { maxExact: 2_000_000 }),
  },
  { name: 'permutationTest Monte Carlo, 10,000 resamples, n = 1,319 paired', runs: 3, fn: () => permutationTest(a, b, { paired: true }) },
  { name: 'welchTTest, n = 1,319 + 1,319', runs: 20, fn: () => welchTTest(a, b) },
  {
    name: 'studentTSf x 10,000 (df from 1 to 1e8)',
    runs: 5,
    fn: () => {
      let s = 0;
      for (let i = 0; i < 10000; i++) s += studentTSf((i % 100) / 10, 1 + (i % 9) * 1e7 * (i % 2));
      return s;
    },
  },
  {
    name: 'studentTQuantile x 1,000',
    runs: 5,
    fn: () => {
      let s = 0;
      for (let i = 1; i <= 1000; i++) s += studentTQuantile(i / 1001, 1 + (i % 50));
      return s;
    },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)] as number;
}

const rows: string[][] = [['case', 'wall ms', 'cpu ms', 'target ms', 'ok (wall)']];
for (const c of cases) {
  c.fn(); // warm-up
  const times: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < c.runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    c.fn();
    times.push(performance.now() - t0);
    const dc = process.cpuUsage(c0);
    cpu.push((dc.user + dc.system) / 1000);
  }
  const m = median(times);
  rows.push([
    c.name,
    m.toFixed(1),
    median(cpu).toFixed(1),
    c.target === undefined ? '-' : String(c.target),
    c.target === undefined ? '' : m < c.target ? 'yes' : 'NO',
  ]);
}
const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  '));
