import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  extractHendrycksAnswer,
  getUnnormalizedAnswer,
  isEquivMinerva,
  isSymbolicallyEqual,
  lastBoxedAnswer,
  mathVerify,
  normalizeFinalAnswer,
  scoreMathOutput,
  type MathSample,
} from 'exptrack/eval';

interface OutputRow {
  category: string;
  output: string;
  solution: string;
  hendrycks_answer: string;
  hendrycks_exact_match: number;
  minerva_answer: string;
  minerva_gold: string;
  minerva_exact_match: number;
  math_verify: number;
}
interface PairRow {
  category: string;
  candidate: string;
  gold: string;
  sympy_equiv: boolean;
}
// Verdicts of lm-eval's own process_results / is_equiv and Math-Verify 0.8 (fixtures/math-equivalence-golden.py).
const golden = JSON.parse(readFileSync(new URL('./fixtures/math-equivalence-golden.json', import.meta.url), 'utf8')) as {
  outputs: OutputRow[];
  minerva_pairs: PairRow[];
  heldout: OutputRow[];
};
const allOutputs = [...golden.outputs, ...golden.heldout];

// Every output where math_verify differs from Math-Verify 0.8, with the reason.
const MATH_VERIFY_ALLOWED: Record<string, string> = {
  'The domain is $\\boxed{\\mathbb{R} \\setminus \\{0\\}}$.': 'set complement (\\mathbb{R} \\setminus) is not read; Math-Verify reads it and finds it equal to the gold union',
};

const CATEGORIES = ['integers', 'decimals', 'fractions', 'signs', 'sqrt', 'pi', 'powers', 'sums_products', 'percentages', 'intervals', 'tuples', 'expressions'];

// The only allowed disagreement with lm-eval's minerva exact_match: identical normalised strings
// that sympy's parse_latex cannot read (lm-eval scores them 0; here they stay correct).
const SYMPY_CANNOT_PARSE_IDENTICAL = 'identical normalised strings sympy cannot parse: kept correct on purpose';

function sampleOf(row: OutputRow): MathSample {
  return { id: row.output, gold: lastBoxedAnswer(row.solution)!, problem: '', solution: row.solution, subject: null, level: null };
}

describe('MATH scoring against lm-eval 4e7e0d4 and Math-Verify 0.8 (generated goldens)', () => {
  it('covers every answer category with at least 30 outputs and 30 answer pairs', () => {
    for (const c of CATEGORIES) {
      expect(golden.outputs.filter((r) => r.category === c).length, c).toBeGreaterThanOrEqual(30);
      expect(golden.minerva_pairs.filter((r) => r.category === c).length, c).toBeGreaterThanOrEqual(30);
    }
    expect(golden.outputs.some((r) => r.hendrycks_exact_match === 1)).toBe(true);
    expect(golden.outputs.some((r) => r.minerva_exact_match === 1)).toBe(true);
    expect(golden.outputs.some((r) => r.math_verify === 0)).toBe(true);
  });

  it('hendrycks_math: the same extraction and the same verdict on every golden output', () => {
    expect(golden.heldout.length).toBeGreaterThan(100);
    const bad = allOutputs.filter((r) => {
      const answer = extractHendrycksAnswer(r.output);
      const score = scoreMathOutput('hendrycks', sampleOf(r), r.output);
      return answer !== r.hendrycks_answer || score.metrics!.hendrycks_equiv !== r.hendrycks_exact_match || score.score !== r.hendrycks_exact_match;
    });
    expect(bad.map((r) => r.output)).toEqual([]);
  });

  it('minerva_math: the same extraction and normalisation, and sympy\'s verdict except identical unparseable strings (listed)', () => {
    const disagreements: Array<{ output: string; reason: string }> = [];
    for (const r of allOutputs) {
      expect(normalizeFinalAnswer(getUnnormalizedAnswer(r.output))).toBe(r.minerva_answer);
      expect(normalizeFinalAnswer(lastBoxedAnswer(r.solution)!)).toBe(r.minerva_gold);
      const ours = scoreMathOutput('minerva', sampleOf(r), r.output).metrics!.minerva_equiv;
      if (ours !== r.minerva_exact_match) {
        const deliberate = r.minerva_answer === r.minerva_gold && ours === 1;
        disagreements.push({ output: r.output, reason: deliberate ? SYMPY_CANNOT_PARSE_IDENTICAL : 'UNEXPECTED' });
      }
    }
    expect(disagreements.filter((d) => d.reason === 'UNEXPECTED')).toEqual([]);
    // Counted, so a change is seen: 15 outputs (percentages, intervals, tuples, a pmatrix).
    expect(disagreements.length).toBe(15);
  });

  it('the symbolic check gives sympy\'s verdict on every normalised answer pair', () => {
    const bad = golden.minerva_pairs.filter((r) => isSymbolicallyEqual(r.candidate, r.gold) !== r.sympy_equiv);
    expect(bad).toEqual([]);
    const deliberate = golden.minerva_pairs.filter((r) => isEquivMinerva(r.candidate, r.gold) !== r.sympy_equiv);
    expect(deliberate.every((r) => r.candidate === r.gold && !r.sympy_equiv)).toBe(true);
    expect(deliberate.length).toBe(30);
  });

  it('math_verify: Math-Verify\'s verdict on every golden output', () => {
    const bad = allOutputs.filter((r) => (mathVerify(r.solution, r.output) ? 1 : 0) !== r.math_verify).map((r) => r.output);
    expect(bad).toEqual(Object.keys(MATH_VERIFY_ALLOWED));
    const viaScore = allOutputs.filter((r) => scoreMathOutput('hendrycks', sampleOf(r), r.output).metrics!.math_verify !== r.math_verify).map((r) => r.output);
    expect(viaScore).toEqual(Object.keys(MATH_VERIFY_ALLOWED));
  });
});

describe('math_verify: limits', () => {
  it('gives up reading a text when its parse time runs out, as Math-Verify\'s timeout does, and rejects bad limits', () => {
    expect(mathVerify('$\\boxed{5}$', 'so the answer is $\\boxed{5}$')).toBe(true);
    expect(mathVerify('$\\boxed{5}$', 'so the answer is $\\boxed{5}$', { parseTimeLimitMs: 1e-9 })).toBe(false);
    expect(() => mathVerify('1', '1', { parseTimeLimitMs: -1 })).toThrow(/parseTimeLimitMs/);
    expect(() => mathVerify('1', '1', { timeLimitMs: Number.NaN })).toThrow(/timeLimitMs/);
  });
});

describe('symbolic equivalence: limits', () => {
  it('gives up after the time limit and rejects a bad limit', () => {
    expect(isSymbolicallyEqual('x+1', '1+x')).toBe(true);
    expect(isSymbolicallyEqual('x+1', '1+x', { timeLimitMs: 1e-9 })).toBe(false); // out of time: not equal
    const big = Array.from({ length: 300 }, (_, i) => `(x+${i})`).join('');
    expect(isSymbolicallyEqual(big, big + '+1')).toBe(false); // 300 factors: BigInts past 4,096 bits fall back to doubles
    expect(isSymbolicallyEqual('x'.repeat(2001), 'x'.repeat(2001))).toBe(false); // past the input limit
    expect(() => isSymbolicallyEqual('1', '1', { timeLimitMs: 0 })).toThrow(/timeLimitMs/);
  });
  it('is exact on rationals and surds, tolerant only on irrational values', () => {
    expect(isSymbolicallyEqual('0.1+0.2', '0.3')).toBe(false); // sympy Float arithmetic
    expect(isSymbolicallyEqual('\\frac{1}{3}', '0.3333333333')).toBe(false);
    expect(isSymbolicallyEqual('\\sqrt{8}', '2\\sqrt{2}')).toBe(true);
    expect(isSymbolicallyEqual('2^{100}', '1267650600228229401496703205376')).toBe(true);
    expect(isSymbolicallyEqual('2^{100}', '1267650600228229401496703205377')).toBe(false);
    expect(isSymbolicallyEqual('\\frac{1}{0}', '\\frac{1}{0}')).toBe(false);
  });
});
