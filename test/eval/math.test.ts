import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MathBenchmark,
  evaluate,
  extractBoxedAnswer,
  extractHendrycksAnswer,
  getUnnormalizedAnswer,
  isEquivHendrycks,
  lastBoxedAnswer,
  lastBoxedOnlyString,
  normalizeFinalAnswer,
  openAICompatibleModel,
  stripString,
} from 'exptrack/eval';
import { startFakeOpenAIServer, type FakeServer } from './helpers/fake-openai-server.js';

interface Golden {
  normalize: Array<{ in: string; strip: string | null; strip_error: string | null; minerva: string }>;
  equiv: Array<[string, string, boolean]>;
  extract: Array<{ out: string; last_boxed: string | null; extract: string; minerva_raw: string }>;
}
// Expected values computed by running the Hendrycks / Minerva normalisers in Python on strings written for this test.
const golden = JSON.parse(readFileSync(new URL('./fixtures/math-normalizers-golden.json', import.meta.url), 'utf8')) as Golden;

describe('Hendrycks strip_string / is_equiv and Minerva normalize_final_answer: parity with the Python originals', () => {
  it('normalises 238 strings exactly as Python does, raising where Python raises', () => {
    const bad = golden.normalize.filter((r) => {
      let strip: string | null = null;
      let raised = false;
      try {
        strip = stripString(r.in);
      } catch {
        raised = true;
      }
      return raised !== (r.strip_error !== null) || (!raised && strip !== r.strip) || normalizeFinalAnswer(r.in) !== r.minerva;
    });
    expect(golden.normalize.length).toBeGreaterThan(200);
    expect(golden.normalize.some((r) => r.strip_error !== null)).toBe(true);
    expect(bad).toEqual([]);
  });
  it('gives the same is_equiv verdict on 711 pairs', () => {
    const bad = golden.equiv.filter(([a, b, want]) => isEquivHendrycks(a, b) !== want);
    expect(golden.equiv.filter((p) => p[2]).length).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });
  it('extracts boxed answers (boxed_equiv) and Minerva final answers as Python does (\\fbox handled where Python fails an assertion)', () => {
    for (const r of golden.extract) {
      expect(lastBoxedOnlyString(r.out)).toBe(r.last_boxed);
      if (r.extract !== '<<ASSERT>>') expect(extractBoxedAnswer(r.out)).toBe(r.extract);
      expect(getUnnormalizedAnswer(r.out)).toBe(r.minerva_raw);
    }
    expect(extractBoxedAnswer('\\fbox{7}')).toBe('7');
  });
});

describe('MATH equivalence, tricky cases', () => {
  const minerva = new MathBenchmark({ records: [] });
  const hendrycks = new MathBenchmark({ records: [], variant: 'hendrycks' });
  it('fractions: \\frac12, \\dfrac, a/b', () => {
    expect(isEquivHendrycks('\\frac12', '\\frac{1}{2}')).toBe(true);
    expect(isEquivHendrycks('\\dfrac{1}{2}', '\\frac{1}{2}')).toBe(true);
    expect(isEquivHendrycks('1/2', '\\frac{1}{2}')).toBe(true);
    expect(isEquivHendrycks('0.5', '\\frac{1}{2}')).toBe(true);
    expect(isEquivHendrycks('\\frac{2}{4}', '\\frac{1}{2}')).toBe(false);
    expect(minerva.checkAnswer('\\dfrac12', '\\dfrac{1}{2}')).toBe(true);
    expect(hendrycks.checkAnswer('\\tfrac34', '\\frac{3}{4}')).toBe(true);
  });
  it('units, degrees, percentages, spaces and \\left( \\right)', () => {
    expect(isEquivHendrycks('10\\text{ cm}', '10')).toBe(true);
    expect(isEquivHendrycks('30^\\circ', '30')).toBe(true);
    expect(isEquivHendrycks('50\\%', '50')).toBe(true);
    expect(isEquivHendrycks('50%', '50')).toBe(false);
    expect(isEquivHendrycks('\\left( 1, 2 \\right)', '(1,2)')).toBe(true);
    expect(isEquivHendrycks('x = 5', '5')).toBe(true);
    expect(minerva.checkAnswer('30^\\circ', '30')).toBe(true);
    expect(minerva.checkAnswer('5 \\text{ dollars}', '5')).toBe(true);
    expect(minerva.checkAnswer('$100,000$', '100000')).toBe(true);
  });
  it('trailing .0: not equal for Hendrycks strip_string, equal for minerva (sympy)', () => {
    expect(isEquivHendrycks('5.0', '5')).toBe(false);
    expect(minerva.checkAnswer('5.0', '5')).toBe(true);
    expect(minerva.checkAnswer('5.1', '5')).toBe(false);
  });
  it('hendrycks extraction is lm-eval\'s first..last $, never the boxed answer', () => {
    const out = 'so $x = \\boxed{6\\pi}$.\nFinal Answer: The final answer is $6\\pi$. I hope it is correct.';
    expect(extractHendrycksAnswer(out)).toBe('x = \\boxed{6\\pi}$.\nFinal Answer: The final answer is $6\\pi');
    expect(extractBoxedAnswer(out)).toBe('6\\pi');
    expect(hendrycks.checkAnswer(extractHendrycksAnswer(out), '6\\pi')).toBe(false);
    expect(extractHendrycksAnswer('the answer is 7')).toBe('the answer is 7');
    expect(extractHendrycksAnswer('costs $5 each')).toBe('costs $5 each');
  });
  it('finds the last boxed answer with brace matching, \\boxed and \\fbox', () => {
    expect(lastBoxedAnswer('a \\boxed{1} then \\boxed{\\frac{1}{2}}.')).toBe('\\frac{1}{2}');
    expect(lastBoxedAnswer('so \\boxed 5$.')).toBe('5');
    expect(lastBoxedAnswer('\\fbox{x+1}')).toBe('x+1');
    expect(lastBoxedAnswer('\\boxed{unclosed')).toBeNull();
  });
});

describe('MATH loader and end to end', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const problems = [
    { problem: 'What is $1+1$?', solution: 'We have $1+1=\\boxed{2}$.', subject: 'Prealgebra', level: 'Level 1', unique_id: 'test/prealgebra/1.json' },
    { problem: 'Simplify $\\frac{2}{4}$.', solution: 'It is $\\boxed{\\frac{1}{2}}$.', subject: 'Algebra', level: 'Level 2', unique_id: 'test/algebra/2.json' },
    { problem: 'An angle measures how many degrees if it is a right angle?', solution: 'A right angle is $\\boxed{90^\\circ}$.', subject: 'Geometry', level: 'Level 1', unique_id: 'test/geometry/3.json' },
    { problem: 'What is 10% of 50?', solution: 'It is $\\boxed{5}$.', answer: '5', subject: 'Prealgebra', level: 'Level 3', unique_id: 'test/prealgebra/4.json' },
  ];

  it('reads the Hendrycks directory layout and a MATH-500 JSONL file the same way', async () => {
    const root = mkdtempSync(join(tmpdir(), 'exptrack-math-'));
    for (const [i, p] of problems.entries()) {
      const dir = join(root, 'test', p.subject.toLowerCase());
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${i + 1}.json`), JSON.stringify({ problem: p.problem, solution: p.solution, level: p.level, type: p.subject }));
    }
    const fromDir = await new MathBenchmark({ source: root }).loadDataset({});
    expect(fromDir.map((s) => s.gold).sort()).toEqual(['2', '5', '90^\\circ', '\\frac{1}{2}']);
    expect(fromDir.find((s) => s.gold === '2')).toMatchObject({ subject: 'Prealgebra', level: 1, id: 'test/prealgebra/1.json' });
    const file = join(root, 'math500.jsonl');
    writeFileSync(file, problems.map((p) => JSON.stringify(p)).join('\n'));
    const fromFile = await new MathBenchmark({ source: file, levels: [1] }).loadDataset({});
    expect(fromFile.map((s) => s.id)).toEqual(['test/prealgebra/1.json', 'test/geometry/3.json']);
    await expect(new MathBenchmark({ source: join(root, 'nope') }).loadDataset({})).rejects.toMatchObject({ code: 'not_found' });
  });

  it('evaluates minerva_math through the server with both checks reported', async () => {
    const replies: Record<string, string> = {
      'What is $1+1$?': 'We get $\\boxed{2}$.\nFinal Answer: The final answer is $2$. I hope it is correct.',
      'Simplify $\\frac{2}{4}$.': 'It is $\\boxed{\\dfrac12}$.\nFinal Answer: The final answer is $\\dfrac12$. I hope it is correct.',
      'An angle measures how many degrees if it is a right angle?': 'It is $\\boxed{90}$ degrees.',
      'What is 10% of 50?': 'Half of ten: \\boxed{4}.\nFinal Answer: The final answer is $4$. I hope it is correct.',
    };
    server = await startFakeOpenAIServer((req) => {
      const q = /Problem:\n([\s\S]*)\n\nSolution:$/.exec(req.prompt.split('\n\n').slice(-2).join('\n\n'))?.[1] ?? '';
      return { text: replies[q] ?? '' };
    });
    const result = await evaluate({
      model: openAICompatibleModel({ baseURL: server.baseURL, model: 'm', endpoint: 'completions' }),
      benchmark: new MathBenchmark({ records: problems }),
      cache: false,
    });
    const prompt = server.requests[0]!.prompt;
    expect(prompt.startsWith('Problem:\nFind the domain of the expression')).toBe(true);
    expect(prompt).toContain('Final Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct.\n\nProblem:\n');
    expect(server.requests[0]!.body.stop).toEqual(['Problem:']);
    expect(result.benchmark).toBe('minerva_math');
    // minerva: 1+1 and \dfrac12 (= \frac{1}{2} for sympy) are right; no sentence for 90; 4 is wrong
    const byId = Object.fromEntries(result.samples.map((s) => [s.id, s]));
    expect(byId['test/prealgebra/1.json']!.correct).toBe(true);
    expect(byId['test/algebra/2.json']!.correct).toBe(true);
    expect(byId['test/geometry/3.json']!.correct).toBe(false); // no final-answer sentence
    expect(byId['test/prealgebra/4.json']!.correct).toBe(false);
    expect(result.metrics.minerva_equiv).toBe(0.5);
    expect(result.metrics.accuracy).toBe(0.5);
    // hendrycks_equiv (lm-eval): every output has `$` around more than the answer -> 0;
    // boxed_equiv: 2, \dfrac12, 90 vs 90^\circ right, 4 wrong -> 3/4
    expect(result.metrics.hendrycks_equiv).toBe(0);
    expect(result.metrics.boxed_equiv).toBe(0.75);
    expect(result.metrics.format_accuracy).toBe(0.75);
    // Math-Verify 0.8 on these four (solution, output) pairs: True, True, True, False.
    expect(result.metrics.math_verify).toBe(0.75);
  });

  it('hendrycks_math uses the zero-shot prompt and lm-eval\'s $...$ extraction; boxed_equiv reads the box', async () => {
    const seen: string[] = [];
    const replies = ['The result is $\\boxed{2}$', 'The result is $2$.'];
    const result = await evaluate({
      model: async (p) => {
        seen.push(String(p));
        return replies[seen.length - 1]!;
      },
      benchmark: new MathBenchmark({ records: [problems[0]!, { ...problems[0]!, unique_id: 'again' }], variant: 'hendrycks' }),
      cache: false,
      concurrency: 1,
    });
    expect(seen[0]).toBe('Problem: What is $1+1$?\nAnswer:');
    expect(result.benchmark).toBe('hendrycks_math');
    expect(result.samples.map((s) => s.correct)).toEqual([false, true]);
    expect(result.metrics.accuracy).toBe(0.5);
    expect(result.metrics.boxed_equiv).toBe(1); // the second falls back to the $...$ text
    expect(result.metrics.math_verify).toBe(1);
  });
});
