import { describe, expect, it } from 'vitest';
import { ExptrackError } from 'exptrack';
import {
  BaseBenchmark,
  BenchmarkRegistry,
  evaluate,
  Gsm8kBenchmark,
  MathBenchmark,
  type BenchmarkSample,
  type Prompt,
  type SampleScore,
  type ScoreInput,
} from 'exptrack/eval';

interface Capital extends BenchmarkSample {
  country: string;
}

// The dozen-line user benchmark.
class Capitals extends BaseBenchmark<Capital> {
  readonly name = 'capitals';
  loadDataset() {
    return [
      { id: 'fr', country: 'France', gold: 'Paris' },
      { id: 'jp', country: 'Japan', gold: 'Tokyo' },
      { id: 'ke', country: 'Kenya', gold: 'Nairobi' },
      { id: 'pe', country: 'Peru', gold: 'Lima' },
    ];
  }
  buildPrompt(s: Capital) {
    return `Capital of ${s.country}?`;
  }
  override checkAnswer(predicted: string, gold: string) {
    return predicted.toLowerCase() === gold.toLowerCase();
  }
}

const table: Record<string, string> = { France: 'paris', Japan: 'Tokyo', Kenya: 'Mombasa', Peru: 'Lima' };
const lookup = async (prompt: Prompt) => table[/of (\w+)/.exec(String(prompt))![1]!]!;

describe('a user benchmark', () => {
  it('evaluates with a plain async function as the model', async () => {
    const result = await evaluate({ model: lookup, benchmark: new Capitals(), cache: false });
    expect(result.benchmark).toBe('capitals');
    expect(result.model).toBe('function:lookup');
    expect(result.metrics.accuracy).toBe(0.75);
    expect(result.metrics.accuracy_stderr).toBeCloseTo(0.25, 12);
    expect(result.samples.map((s) => [s.id, s.correct])).toEqual([
      ['fr', true],
      ['jp', true],
      ['ke', false],
      ['pe', true],
    ]);
    expect(result.samples[2]).toMatchObject({ prompt: 'Capital of Kenya?', output: 'Mombasa', extracted: 'Mombasa', gold: 'Nairobi', score: 0 });
  });

  it('takes graded scores from scoreSample', async () => {
    class Graded extends Capitals {
      override scoreSample(input: ScoreInput<Capital>): SampleScore {
        const right = input.extracted.toLowerCase() === input.sample.gold.toLowerCase();
        return { extracted: input.extracted, correct: right, score: right ? 1 : input.extracted[0] === input.sample.gold[0] ? 0.5 : 0 };
      }
    }
    const result = await evaluate({ model: async (p: Prompt) => (String(p).includes('Kenya') ? 'Nakuru' : await lookup(p)), benchmark: new Graded(), cache: false });
    expect(result.metrics.accuracy).toBe(0.75);
    expect(result.metrics.mean_score).toBeCloseTo(3.5 / 4, 12);
    // Graded values get the normal interval, not Wilson.
    expect(result.metrics.mean_score_ci_lower).toBeCloseTo(3.5 / 4 - 1.959963984540054 * result.metrics.mean_score_stderr!, 12);
  });

  it('accepts a numeric scoreSample result as the score', async () => {
    class Numeric extends Capitals {
      override scoreSample(input: ScoreInput<Capital>): number {
        return input.extracted.length / 10;
      }
    }
    const result = await evaluate({ model: async () => 'abcde', benchmark: new Numeric(), cache: false });
    expect(result.metrics.mean_score).toBe(0.5);
    expect(result.metrics.accuracy).toBe(1);
  });

  it('reports mean accuracy, maj@k and pass@k over repeats (attempt index in the row and the cache key)', async () => {
    const calls = new Map<string, number>();
    // France: right, wrong, wrong (same wrong answer) -> pass yes, majority no.
    // Japan: right, right, wrong -> pass yes, majority yes. Kenya, Peru: always wrong.
    const answers: Record<string, string[]> = { France: ['Paris', 'Lyon', 'Lyon'], Japan: ['Tokyo', 'Tokyo', 'Osaka'], Kenya: ['x', 'y', 'z'], Peru: ['Cusco', 'Cusco', 'Cusco'] };
    const model = async (prompt: Prompt) => {
      const country = /of (\w+)/.exec(String(prompt))![1]!;
      const n = calls.get(country) ?? 0;
      calls.set(country, n + 1);
      return answers[country]![n]!;
    };
    const result = await evaluate({ model, benchmark: new Capitals(), repeats: 3, concurrency: 1, cache: false });
    expect(result.metrics.n_rows).toBe(12);
    expect(result.metrics.n_samples).toBe(4);
    expect(result.metrics.accuracy).toBeCloseTo(3 / 12, 12);
    expect(result.metrics['pass@3']).toBe(0.5);
    expect(result.metrics['maj@3']).toBe(0.25);
    expect(result.samples.filter((s) => s.id === 'fr').map((s) => s.attempt)).toEqual([0, 1, 2]);
  });

  it('rejects duplicate sample ids and bad options with typed errors', async () => {
    class Dup extends Capitals {
      override loadDataset() {
        return [
          { id: 'a', country: 'France', gold: 'Paris' },
          { id: 'a', country: 'Peru', gold: 'Lima' },
        ];
      }
    }
    await expect(evaluate({ model: lookup, benchmark: new Dup() })).rejects.toMatchObject({ code: 'invalid_input', field: 'sample.id' });
    await expect(evaluate({ model: lookup, benchmark: new Capitals(), concurrency: 0 })).rejects.toMatchObject({ code: 'invalid_input', field: 'concurrency' });
    await expect(evaluate({ model: lookup, benchmark: new Capitals(), repeats: 1.5 })).rejects.toMatchObject({ code: 'invalid_input', field: 'repeats' });
    await expect(evaluate({ model: {} as never, benchmark: new Capitals() })).rejects.toMatchObject({ code: 'invalid_input', field: 'model' });
    await expect(evaluate({ model: lookup, benchmark: new Capitals(), cache: false, resume: true })).rejects.toMatchObject({ code: 'invalid_input', field: 'resume' });
  });

  it('records a scoring failure as an error row, not a wrong answer', async () => {
    class Throws extends Capitals {
      override checkAnswer(predicted: string): boolean {
        if (predicted === 'Lima') throw new Error('judge unavailable');
        return true;
      }
    }
    const result = await evaluate({ model: lookup, benchmark: new Throws(), cache: false });
    expect(result.metrics.n_errors).toBe(1);
    expect(result.metrics.accuracy).toBe(1);
    expect(result.samples.find((s) => s.id === 'pe')!.error).toMatch(/scoring failed: Error: judge unavailable/);
  });
});

describe('BenchmarkRegistry', () => {
  it('is explicit: a new registry is empty; names are listed in errors', () => {
    const r = new BenchmarkRegistry();
    expect(r.list()).toEqual([]);
    r.register('capitals', () => new Capitals());
    expect(r.has('capitals')).toBe(true);
    expect(r.get('capitals')).toBeInstanceOf(Capitals);
    let err: unknown;
    try {
      r.register('capitals', () => new Capitals());
    } catch (e) {
      err = e;
    }
    expect(ExptrackError.is(err)).toBe(true);
    expect(err).toMatchObject({ code: 'already_exists', message: expect.stringContaining('known: capitals') });
    expect(() => r.get('nope')).toThrow(/unknown benchmark "nope" \(known: capitals\)/);
    expect(r.unregister('capitals')).toBe(true);
    expect(r.list()).toEqual([]);
  });

  it('has a process-wide default on globalThis with the built-ins, created on first use', () => {
    const key = Symbol.for('exptrack.eval.defaultRegistry');
    const g = globalThis as Record<symbol, unknown>;
    const saved = g[key];
    delete g[key];
    try {
      const d = BenchmarkRegistry.default();
      expect(g[key]).toBe(d);
      expect(BenchmarkRegistry.default()).toBe(d);
      expect(d.list().filter((n) => !n.startsWith('mmlu_'))).toEqual(['arc_challenge', 'arc_easy', 'gsm8k', 'gsm8k-cot', 'hellaswag', 'hendrycks_math', 'math', 'minerva_math', 'mmlu', 'piqa', 'truthfulqa_mc1', 'truthfulqa_mc2', 'winogrande']);
      expect(d.list().filter((n) => n.startsWith('mmlu_'))).toHaveLength(57);
      expect(d.get('gsm8k-cot')).toBeInstanceOf(Gsm8kBenchmark);
      expect(d.get('gsm8k-cot').name).toBe('gsm8k-cot');
      expect(d.get('math')).toBeInstanceOf(MathBenchmark);
      expect(d.get('hendrycks_math').name).toBe('hendrycks_math');
    } finally {
      if (saved === undefined) delete g[key];
      else g[key] = saved;
    }
  });

  it('evaluates by name, on an instance and through the static default', async () => {
    const r = new BenchmarkRegistry().register('capitals', () => new Capitals());
    const result = await r.evaluate(lookup, 'capitals', { cache: false });
    expect(result.metrics.accuracy).toBe(0.75);
    await expect(r.evaluate(lookup, 'missing')).rejects.toMatchObject({ code: 'not_found' });
    const viaDefault = await BenchmarkRegistry.evaluate(async () => '#### 7', 'gsm8k', {
      benchmarkOptions: { records: { test: [{ question: 'q', answer: '#### 7' }] }, numFewshot: 0 },
      cache: false,
    });
    expect(viaDefault.benchmark).toBe('gsm8k');
    expect(viaDefault.metrics.accuracy).toBe(1);
    const named = await evaluate({ model: lookup, benchmark: 'capitals', registry: r, cache: false });
    expect(named.metrics.accuracy).toBe(0.75);
  });
});
