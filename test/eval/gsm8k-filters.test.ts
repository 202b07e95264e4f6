import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Gsm8kBenchmark,
  extractGsm8kAnswer,
  gsm8kExactMatch,
  normalizeForExactMatch,
  numericExtract,
  numericMatch,
  parseGsm8kGold,
  stripCalculatorAnnotations,
  INVALID_ANSWER,
} from 'exptrack/eval';

interface GoldenRow {
  text: string;
  gold: string;
  strict: string;
  strict_cot: string;
  flexible: string;
  em_strict: boolean;
  em_flexible: boolean;
  em_cot_strict: boolean;
  em_raw: boolean;
}

// Expected values computed by Python's re module (see fixtures/gsm8k-filter-golden.py).
const golden = JSON.parse(readFileSync(new URL('./fixtures/gsm8k-filter-golden.json', import.meta.url), 'utf8')) as GoldenRow[];

describe('lm-eval GSM8K filters: parity with Python re on 522 synthetic outputs', () => {
  const gsm8k = new Gsm8kBenchmark();
  const cot = new Gsm8kBenchmark({ variant: 'cot' });
  it('has a golden file with both verdicts represented', () => {
    expect(golden.length).toBeGreaterThan(500);
    expect(golden.some((r) => r.em_strict)).toBe(true);
    expect(golden.some((r) => !r.em_strict)).toBe(true);
    expect(golden.some((r) => r.strict === INVALID_ANSWER)).toBe(true);
  });
  it('strict-match, flexible-extract and the cot strict-match extract what Python extracts', () => {
    const mismatches = golden.filter(
      (r) =>
        gsm8k.extractAnswer(r.text, 'strict-match') !== r.strict ||
        gsm8k.extractAnswer(r.text, 'flexible-extract') !== r.flexible ||
        gsm8k.extractAnswer(r.text) !== r.flexible ||
        cot.extractAnswer(r.text, 'strict-match') !== r.strict_cot ||
        cot.extractAnswer(r.text, 'flexible-extract') !== r.flexible,
    );
    expect(mismatches).toEqual([]);
  });
  it('exact_match with regexes_to_ignore gives the verdicts Python gives', () => {
    const mismatches = golden.filter(
      (r) =>
        gsm8k.checkAnswer(r.strict, r.gold) !== r.em_strict ||
        gsm8k.checkAnswer(r.flexible, r.gold) !== r.em_flexible ||
        cot.checkAnswer(r.strict_cot, r.gold) !== r.em_cot_strict ||
        gsm8kExactMatch(r.text, r.gold) !== r.em_raw,
    );
    expect(mismatches).toEqual([]);
  });
});

describe('GSM8K extraction, hand-picked cases', () => {
  const gsm8k = new Gsm8kBenchmark();
  it('strict-match takes the first "#### N", flexible-extract the last number-like string', () => {
    expect(gsm8k.extractAnswer('2 + 2 = 4\n#### 4\nthen 5', 'strict-match')).toBe('4');
    expect(gsm8k.extractAnswer('2 + 2 = 4\n#### 4\nthen 5', 'flexible-extract')).toBe('5');
    expect(gsm8k.extractAnswer('no format here 12', 'strict-match')).toBe(INVALID_ANSWER);
    expect(gsm8k.extractAnswer('nothing at all', 'flexible-extract')).toBe(INVALID_ANSWER);
    expect(gsm8k.extractAnswer('She has $1,210.')).toBe('$1,210.');
    expect(extractGsm8kAnswer('#### $18', 'strict-match')).toBe(INVALID_ANSWER);
  });
  it('the cot strict regex needs one character after the number (lm-eval quirk: a bare end loses a digit)', () => {
    const cot = new Gsm8kBenchmark({ variant: 'cot' });
    expect(cot.extractAnswer('The answer is 18.', 'strict-match')).toBe('18');
    expect(cot.extractAnswer('The answer is 18', 'strict-match')).toBe('1');
  });
  it('checkAnswer takes the full answer field or the bare number', () => {
    const full = 'Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18.\n#### 18';
    expect(gsm8k.checkAnswer('18', full)).toBe(true);
    expect(gsm8k.checkAnswer('18', '18')).toBe(true);
    expect(gsm8k.checkAnswer('$18.', full)).toBe(true);
    expect(gsm8k.checkAnswer('1,000', '#### 1,000')).toBe(true);
    expect(gsm8k.checkAnswer('17', full)).toBe(false);
    expect(gsm8k.checkAnswer(INVALID_ANSWER, full)).toBe(false);
  });
  it("keeps lm-eval's known false negatives", () => {
    expect(gsm8k.checkAnswer('18.00', '18')).toBe(false);
    expect(gsm8k.checkAnswer(gsm8k.extractAnswer('$1,210.00'), '1210')).toBe(false);
    expect(gsm8k.checkAnswer(gsm8k.extractAnswer('so $\\boxed{18}$.'), '18')).toBe(false);
    expect(gsm8k.checkAnswer(gsm8k.extractAnswer('\u22125'), '-5')).toBe(false);
  });
  it('Python $ matches before a final newline; JavaScript needs that spelled out', () => {
    expect(normalizeForExactMatch('18.\n')).toBe('18\n');
    expect(normalizeForExactMatch('18.')).toBe('18');
    expect(normalizeForExactMatch('18.\n\n')).toBe('18.\n\n');
    expect(normalizeForExactMatch('a\n#### b\n#### 1,2')).toBe('12');
  });
  it('parses gold answers and strips calculator annotations', () => {
    expect(parseGsm8kGold('x\n#### 70,000')).toBe('70000');
    expect(parseGsm8kGold('no final line')).toBeUndefined();
    expect(stripCalculatorAnnotations('48/2 = <<48/2=24>>24 clips')).toBe('48/2 = 24 clips');
  });
  it('rejects an unknown filter with a typed error', () => {
    expect(() => gsm8k.extractAnswer('1', 'loose' as never)).toThrow(/filter/);
  });
});

describe('numeric-match', () => {
  it('fixes the false negatives of lm-eval', () => {
    expect(numericMatch('The answer is 18.00', '18')).toBe(true);
    expect(numericMatch('The answer is 18.0', '#### 18')).toBe(true);
    expect(numericMatch('She earns $1,210.00 in total.', '1210')).toBe(true);
    expect(numericMatch('so $\\boxed{18}$. Check: 20 - 2 = 18', '18')).toBe(true);
    expect(numericMatch('so $\\boxed{18}$.', '18')).toBe(true);
    expect(numericMatch('The temperature is \u22125 degrees', '-5')).toBe(true);
    expect(numericMatch('The area is 18 m^2', '18')).toBe(true);
    expect(numericMatch('The area is 18 m2.', '18')).toBe(true);
    expect(numericMatch('#### 18 apples', '18')).toBe(true);
    expect(numericMatch('The answer is 50%.', '50')).toBe(true);
  });
  it('still says no to wrong or missing answers', () => {
    expect(numericMatch('The answer is 17', '18')).toBe(false);
    expect(numericMatch('no idea', '18')).toBe(false);
    expect(numericMatch('#### 18', 'not a number')).toBe(false);
    expect(numericMatch('5-3=2', '-3')).toBe(false);
  });
  it('prefers boxed, then ####, then "answer is", then the last number', () => {
    expect(numericExtract('\\boxed{7} but #### 8')).toBe(7);
    expect(numericExtract('#### 8\nlater 9')).toBe(8);
    expect(numericExtract('the answer is 3, not 4')).toBe(3);
    expect(numericExtract('first 1 then 2')).toBe(2);
    expect(numericExtract('\\boxed{\\frac{3}{4}}')).toBe(0.75);
    expect(numericExtract('x = -7')).toBe(-7);
  });
});
