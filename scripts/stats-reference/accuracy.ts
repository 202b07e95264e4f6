/**
 * Prints the largest relative error of each function family of exptrack/analysis against the
 * committed reference values (scipy / statsmodels, and 30-digit mpmath for the distributions).
 * Run: npx tsx scripts/stats-reference/accuracy.ts [--markdown]   (the table in docs/ANALYSIS.md)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as S from '../../src/analysis/stats/index.js';

const revive = (_k: string, v: unknown): unknown => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ref: any = JSON.parse(readFileSync(fileURLToPath(new URL('../../test/analysis/stats/fixtures/reference.json', import.meta.url)), 'utf8'), revive);

function rel(actual: number, expected: number, abs = 1e-300): number {
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected ? 0 : Infinity;
  const e = Math.abs(actual - expected);
  return e <= abs ? 0 : e / Math.abs(expected);
}

type Acc = { exact: number; scipy: number; scipyOff: number; cases: number };
const table = new Map<string, Acc>();
function add(name: string, got: number, exact: number | undefined, scipy: number | undefined, abs = 1e-300): void {
  const acc = table.get(name) ?? { exact: 0, scipy: 0, scipyOff: 0, cases: 0 };
  acc.cases++;
  if (exact !== undefined) {
    acc.exact = Math.max(acc.exact, rel(got, exact, abs));
    if (scipy !== undefined && rel(scipy, exact, abs) > 1e-10) acc.scipyOff++;
  }
  if (scipy !== undefined) acc.scipy = Math.max(acc.scipy, rel(got, scipy, abs));
  table.set(name, acc);
}

for (const r of ref.normalCdf) add('normalCdf', S.normalCdf(r.x, r.mean, r.sd), r.exact, r.scipy);
for (const r of ref.normalQuantile) add('normalQuantile', S.normalQuantile(r.p), r.exact, r.scipy);
for (const r of ref.studentTSf) add('studentTSf / studentTCdf', S.studentTSf(r.t, r.df), r.exact, r.scipy);
for (const r of ref.studentTQuantile) add('studentTQuantile', S.studentTQuantile(r.p, r.df), r.exact, r.scipy);
for (const r of ref.chiSquareSf) add('chiSquareSf', S.chiSquareSf(r.x, r.df), r.exact, r.scipy);
for (const r of ref.regularizedIncompleteBeta) add('regularizedIncompleteBeta', S.regularizedIncompleteBeta(r.x, r.a, r.b), r.exact, r.scipy);
for (const r of ref.regularizedGamma) {
  add('regularizedGammaP', S.regularizedGammaP(r.a, r.x), r.exactP, r.scipyP);
  add('regularizedGammaQ', S.regularizedGammaQ(r.a, r.x), r.exactQ, r.scipyQ);
}
for (const r of ref.tTests) {
  const o = { alternative: r.alternative, confidence: r.confidence };
  const put = (
    name: string,
    got: S.TestResult,
    want: { statistic: number; pValue: number; df: number; estimate: number; ci: [number, number]; ciExact: [number, number] },
  ): void => {
    add(`${name} p-value`, got.pValue, undefined, want.pValue, 1e-300);
    add(`${name} statistic, df`, got.statistic, undefined, want.statistic, 1e-300);
    add(`${name} statistic, df`, got.df as number, undefined, want.df, 1e-300);
    for (const side of [0, 1] as const) {
      if (!Number.isFinite(want.ci[side])) continue;
      // the half-width q · SE (a bound near 0 is a difference of close numbers)
      const hw = (v: number): number => Math.abs(v - want.estimate);
      add(`${name} ci half-width`, hw((got.ci as [number, number])[side]), hw(want.ciExact[side]), hw(want.ci[side]));
    }
  };
  if (r.kind === 'two-sample') {
    put('welchTTest', S.welchTTest(r.a, r.b, o), r.welch);
    put('pooledTTest', S.pooledTTest(r.a, r.b, o), r.pooled);
  } else {
    put('oneSampleTTest', S.oneSampleTTest(r.x, r.mu, o), r.oneSample);
    if (r.kind === 'one-sample-paired') put('pairedTTest', S.pairedTTest(r.x, r.y, o), r.paired);
  }
}
for (const r of ref.binomialTest) {
  const got = S.binomialTest(r.k, r.n, r.p, { alternative: r.alternative, confidence: r.confidence });
  add('binomialTest p-value', got.pValue, undefined, r.pValue);
  add('binomialTest ci (Clopper-Pearson)', (got.ci as [number, number])[0], undefined, r.ci[0]);
  add('binomialTest ci (Clopper-Pearson)', (got.ci as [number, number])[1], undefined, r.ci[1]);
}
for (const r of ref.mcnemarTest) {
  add('mcnemarTest p-value', S.mcnemarTest(r.b, r.c).pValue, undefined, r.exact.pValue);
  for (const m of ['chi2', 'chi2-corrected'] as const) if (r[m]) add('mcnemarTest p-value', S.mcnemarTest(r.b, r.c, { method: m }).pValue, undefined, r[m].pValue);
}
for (const r of ref.proportionIntervals) {
  const w = S.wilsonInterval(r.k, r.n, { confidence: r.confidence });
  add('wilsonInterval', w.lower, undefined, r.wilson[0]);
  add('wilsonInterval', w.upper, undefined, r.wilson[1]);
  const c = S.clopperPearsonInterval(r.k, r.n, { confidence: r.confidence });
  add('clopperPearsonInterval', c.lower, undefined, r.clopperPearson[0]);
  add('clopperPearsonInterval', c.upper, undefined, r.clopperPearson[1]);
}
for (const r of ref.adjustPValues) for (const m of ['holm', 'bh', 'bonferroni'] as const) S.adjustPValues(r.pValues, m).forEach((v, i) => add('adjustPValues', v, undefined, r[m][i]));
for (const r of ref.permutationTest) for (const alt of ['two-sided', 'greater', 'less'] as const) add('permutationTest (exact)', S.permutationTest(r.a, r.b, { paired: r.paired, alternative: alt }).pValue, undefined, r[alt]);
for (const r of ref.effectSizes) {
  add('cohensD / hedgesG / cohensDz / cohensH', S.cohensD(r.a, r.b), undefined, r.cohensD);
  add('cohensD / hedgesG / cohensDz / cohensH', S.hedgesG(r.a, r.b), undefined, r.hedgesG);
  add('cohensD / hedgesG / cohensDz / cohensH', S.cohensDz(r.x, r.y), undefined, r.cohensDz);
  add('cohensD / hedgesG / cohensDz / cohensH', S.cohensH(r.p1, r.p2), undefined, r.cohensH);
}

const fmt = (x: number): string => (x === 0 ? '0' : x.toExponential(1));
if (process.argv.includes('--markdown')) {
  console.log('| Family | Cases | Max relative error vs exact (mpmath) | Max relative error vs scipy / statsmodels | Cases where scipy is off the exact value by > 1e-10 |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, a] of table) {
    const exact = name.startsWith('normal') || name.startsWith('student') || name.startsWith('chi') || name.startsWith('regularized') || name.includes('half-width');
    console.log(`| ${name} | ${a.cases} | ${exact ? fmt(a.exact) : '-'} | ${fmt(a.scipy)} | ${exact ? a.scipyOff : '-'} |`);
  }
  process.exit(0);
}
console.log('family'.padEnd(42), 'cases'.padStart(6), 'max rel vs exact'.padStart(18), 'max rel vs scipy/sm'.padStart(20), 'scipy off >1e-10'.padStart(17));
for (const [name, a] of table) {
  console.log(name.padEnd(42), String(a.cases).padStart(6), fmt(a.exact).padStart(18), fmt(a.scipy).padStart(20), String(a.scipyOff).padStart(17));
}
