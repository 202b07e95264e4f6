/**
 * `MathBenchmark`: Hendrycks MATH (and MATH-500) with lm-eval's minerva_math and hendrycks_math
 * prompts and answer checks.
 */
import { ExptrackError, invalidInput } from '../../../core/errors.js';
import { BaseBenchmark, type BenchmarkGeneration } from '../../benchmark.js';
import { PythonRandom } from '../../data/python-random.js';
import type { BenchmarkSample, ChatMessage, LoadDatasetOptions, Prompt, SampleScore, ScoreInput } from '../../types.js';
import { lastBoxedAnswer, lastBoxedOnlyString } from './boxed.js';
import { extractBoxedAnswer, extractHendrycksAnswer, isEquivHendrycks } from './hendrycks.js';
import { mathVerify } from './math-verify.js';
import { loadMathRecords, type MathRecord } from './loader.js';
import { MINERVA_INVALID_ANSWER, getUnnormalizedAnswer, isEquivMinerva, normalizeFinalAnswer } from './minerva.js';

/**
 * The four fixed examples of lm-eval's minerva_math prompt.
 *
 * @example
 * ```ts
 * import { MINERVA_MATH_EXEMPLARS } from 'exptrack/eval';
 * MINERVA_MATH_EXEMPLARS.length; // 4
 * ```
 */
export const MINERVA_MATH_EXEMPLARS: ReadonlyArray<{ problem: string; solution: string }> = [
  {
    problem: 'Find the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.}',
    solution:
      'The expressions inside each square root must be non-negative. Therefore, $x-2 \\ge 0$, so $x\\ge2$, and $5 - x \\ge 0$, so $x \\le 5$. Also, the denominator cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of the expression is $\\boxed{[2,5)}$.\nFinal Answer: The final answer is $[2,5)$. I hope it is correct.',
  },
  {
    problem: 'If $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find $\\det (\\mathbf{A} \\mathbf{B}).$',
    solution:
      'We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det \\mathbf{B}) = (2)(12) = \\boxed{24}.$\nFinal Answer: The final answer is $24$. I hope it is correct.',
  },
  {
    problem:
      'Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights instead, how many times must Terrell lift them in order to lift the same total weight?',
    solution:
      'If Terrell lifts two 20-pound weights 12 times, he lifts a total of $2\\cdot 12\\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead for $n$ times, he will lift a total of $2\\cdot15\\cdot n=30n$ pounds of weight.  Equating this to 480 pounds, we can solve for $n$:\n\\begin{align*}\n30n&=480\\\\\n\\Rightarrow\\qquad n&=480/30=\\boxed{16}\n\\end{align*}\nFinal Answer: The final answer is $16$. I hope it is correct.',
  },
  {
    problem:
      'If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\\\n6y-9x &=b.\n\\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,\nfind $\\frac{a}{b},$ assuming $b$ is nonzero.',
    solution:
      'If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n$$6y-9x=-\\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have\n\n$$-\\frac{3}{2}a=b\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$\nFinal Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct.',
  },
];

/**
 * Options of {@link MathBenchmark}.
 *
 * @example
 * ```ts
 * import type { MathOptions } from 'exptrack/eval';
 * const o: MathOptions = { source: './MATH-500/test.jsonl', variant: 'minerva', levels: [4, 5] };
 * ```
 */
export interface MathOptions {
  /** A Hendrycks MATH directory, a directory with `<split>.jsonl`, a `.jsonl` or a `.json` file. */
  source?: string;
  /** `minerva` (4-shot, `Final Answer:` format) or `hendrycks` (zero-shot `Problem: ...\nAnswer:`). @defaultValue 'minerva' */
  variant?: 'minerva' | 'hendrycks';
  /** Few-shot examples for `minerva` (0 to 4). @defaultValue 4 */
  numFewshot?: number;
  /** Keep only these subjects (e.g. `algebra`, `Precalculus`; compared case-insensitively). */
  subjects?: readonly string[];
  /** Keep only these levels (1 to 5). */
  levels?: readonly number[];
  /** Prompt as chat messages. @defaultValue false */
  chat?: boolean;
  /** Records to use instead of reading a source. */
  records?: ReadonlyArray<{ problem: string; solution?: string; answer?: string; subject?: string; level?: number | string; unique_id?: string }>;
}

/**
 * One MATH item.
 *
 * @example
 * ```ts
 * import type { MathSample } from 'exptrack/eval';
 * declare const s: MathSample;
 * s.gold; // '\\frac{1}{2}' (the boxed answer of the solution)
 * ```
 */
export interface MathSample extends BenchmarkSample {
  problem: string;
  solution: string;
  subject: string | null;
  level: number | null;
}

/**
 * MATH with four answer checks, each under its own metric:
 * - `hendrycks_equiv`: lm-eval's hendrycks_math (text between the first and last `$`, Hendrycks
 *   `strip_string` / `is_equiv`);
 * - `boxed_equiv`: a deviation from lm-eval: the last boxed answer, then the same `is_equiv`;
 * - `minerva_equiv`: lm-eval's minerva_math (the `Final Answer: The final answer is ...` sentence,
 *   Minerva `normalize_final_answer`, then sympy's equivalence; identical strings always match);
 * - `math_verify`: HF Math-Verify 0.8 on the whole solution and the whole output.
 * `accuracy` is the variant's own check (`minerva_equiv` or `hendrycks_equiv`); `format_accuracy`
 * the share of outputs in the variant's answer format (a final-answer sentence for minerva, a boxed
 * answer for hendrycks).
 *
 * @example
 * ```ts
 * import { MathBenchmark, evaluate } from 'exptrack/eval';
 * const math = new MathBenchmark({ source: './MATH-500/test.jsonl' });
 * math.checkAnswer('3.5', '\\frac{7}{2}'); // true (sympy's verdict)
 * ```
 */
export class MathBenchmark extends BaseBenchmark<MathSample> {
  readonly name: string;
  readonly variant: 'minerva' | 'hendrycks';
  override readonly generation: BenchmarkGeneration = { maxTokens: 256, temperature: 0, stop: ['Problem:'] };
  private readonly options: MathOptions;
  private readonly numFewshot: number;

  /**
   * @param options - the source, variant and filters
   * @throws ExptrackError `invalid_input` for an unknown variant or a bad numFewshot
   */
  constructor(options: MathOptions = {}) {
    super();
    const variant = options.variant ?? 'minerva';
    if (variant !== 'minerva' && variant !== 'hendrycks') throw invalidInput('variant', variant, "must be 'minerva' or 'hendrycks'");
    this.variant = variant;
    this.name = variant === 'minerva' ? 'minerva_math' : 'hendrycks_math';
    this.options = options;
    this.numFewshot = variant === 'minerva' ? options.numFewshot ?? 4 : options.numFewshot ?? 0;
    const max = variant === 'minerva' ? MINERVA_MATH_EXEMPLARS.length : 0;
    if (!Number.isInteger(this.numFewshot) || this.numFewshot < 0 || this.numFewshot > max) {
      throw invalidInput('numFewshot', options.numFewshot, `must be an integer in [0, ${max}] for ${this.name}`);
    }
  }

  /**
   * Loads the problems, filtered by subject and level.
   *
   * @param options - split (default `test`), numSamples, seed
   * @returns the samples
   * @throws ExptrackError `invalid_input` without a source or records; errors of the loader
   */
  async loadDataset(options: LoadDatasetOptions = {}): Promise<MathSample[]> {
    const split = options.split ?? 'test';
    let records: MathRecord[];
    if (this.options.records) {
      records = this.options.records.map((r, i) => {
        const answer = lastBoxedAnswer(r.solution ?? '') ?? r.answer;
        if (answer === undefined || answer === null) throw new ExptrackError(`records[${i}] has no answer`, { code: 'parse_error', field: `records[${i}]` });
        const level = typeof r.level === 'number' ? r.level : r.level ? Number(/\d+/.exec(r.level)?.[0] ?? NaN) : NaN;
        return { id: r.unique_id ?? `math-${i}`, problem: r.problem, solution: r.solution ?? '', answer, subject: r.subject ?? null, level: Number.isFinite(level) ? level : null };
      });
    } else if (this.options.source) {
      records = await loadMathRecords(this.options.source, split);
    } else {
      throw invalidInput('source', undefined, 'is needed: MATH loads from a local path (or pass records)');
    }
    if (this.options.subjects) {
      const wanted = new Set(this.options.subjects.map((s) => s.toLowerCase()));
      records = records.filter((r) => r.subject !== null && wanted.has(r.subject.toLowerCase()));
    }
    if (this.options.levels) {
      const wanted = new Set(this.options.levels);
      records = records.filter((r) => r.level !== null && wanted.has(r.level));
    }
    if (options.seed !== undefined) records = new PythonRandom(options.seed).shuffle([...records]);
    if (options.numSamples !== undefined) records = records.slice(0, options.numSamples);
    return records.map((r) => ({
      id: r.id,
      gold: r.answer,
      problem: r.problem,
      solution: r.solution,
      subject: r.subject,
      level: r.level,
      metadata: { subject: r.subject, level: r.level },
    }));
  }

  /**
   * The prompt lm-eval builds: minerva `Problem:\n...\n\nSolution:` after the fixed examples, or
   * hendrycks `Problem: ...\nAnswer:`.
   *
   * @param sample - the problem
   * @returns the prompt
   */
  buildPrompt(sample: MathSample): Prompt {
    if (this.variant === 'hendrycks') {
      const text = `Problem: ${sample.problem}\nAnswer:`;
      return this.options.chat ? [{ role: 'user', content: text }] : text;
    }
    const shots = MINERVA_MATH_EXEMPLARS.slice(0, this.numFewshot);
    const docToText = (p: string) => `Problem:\n${p}\n\nSolution:`;
    if (this.options.chat) {
      const messages: ChatMessage[] = [];
      for (const ex of shots) {
        messages.push({ role: 'user', content: docToText(ex.problem) });
        messages.push({ role: 'assistant', content: ex.solution });
      }
      messages.push({ role: 'user', content: docToText(sample.problem) });
      return messages;
    }
    let context = '';
    for (const ex of shots) context += `${docToText(ex.problem)} ${ex.solution}\n\n`;
    return context + docToText(sample.problem);
  }

  /**
   * The variant's extraction: the final-answer sentence (minerva) or the text between the first and
   * the last `$` (hendrycks, as lm-eval).
   *
   * @param text - the model output
   * @returns the answer string (minerva: `[invalidanswer]` when absent)
   */
  override extractAnswer(text: string): string {
    return this.variant === 'minerva' ? getUnnormalizedAnswer(text) : extractHendrycksAnswer(text);
  }

  /**
   * The variant's equivalence of an extracted answer and the gold boxed answer.
   *
   * @param extracted - the extracted answer
   * @param gold - the gold answer (the boxed content of the solution)
   * @returns the verdict
   */
  override checkAnswer(extracted: string, gold: string): boolean {
    if (this.variant === 'minerva') return isEquivMinerva(normalizeFinalAnswer(extracted), normalizeFinalAnswer(gold));
    return isEquivHendrycks(extracted, gold);
  }

  /**
   * Scores with all four checks.
   *
   * @param input - the sample and the output
   * @returns the verdict and `hendrycks_equiv`, `boxed_equiv`, `minerva_equiv`, `math_verify`, `format_accuracy`
   */
  override async scoreOutput(input: Omit<ScoreInput<MathSample>, 'extracted'>): Promise<SampleScore> {
    return scoreMathOutput(this.variant, input.sample, input.output);
  }
}

/**
 * Scores one MATH output with every check (what {@link MathBenchmark.scoreOutput} returns).
 *
 * @param variant - whose check is `accuracy`
 * @param sample - the sample (gold answer and solution)
 * @param output - the model output
 * @returns the verdict and the per-check metrics
 * @example
 * ```ts
 * import { scoreMathOutput } from 'exptrack/eval';
 * const s = scoreMathOutput('minerva', { id: '1', gold: '24', problem: '', solution: '$\\boxed{24}$', subject: null, level: null },
 *   'So $\\boxed{24}$.\nFinal Answer: The final answer is $24$. I hope it is correct.');
 * s.metrics; // { hendrycks_equiv: 0, boxed_equiv: 1, minerva_equiv: 1, math_verify: 1, format_accuracy: 1 }
 * ```
 */
export function scoreMathOutput(variant: 'minerva' | 'hendrycks', sample: MathSample, output: string): SampleScore {
  const hendrycksAnswer = extractHendrycksAnswer(output);
  const hendrycksOk = isEquivHendrycks(hendrycksAnswer, sample.gold);
  const boxedAnswer = extractBoxedAnswer(output);
  const boxedOk = isEquivHendrycks(boxedAnswer, sample.gold);
  const minervaRaw = getUnnormalizedAnswer(output);
  const minervaAnswer = normalizeFinalAnswer(minervaRaw);
  const minervaOk = minervaRaw !== MINERVA_INVALID_ANSWER && isEquivMinerva(minervaAnswer, normalizeFinalAnswer(sample.gold));
  // lm-eval passes the whole solution; records given with only an answer use that answer, boxed.
  const verifyOk = mathVerify(sample.solution !== '' ? sample.solution : `\\boxed{${sample.gold}}`, output);
  const primaryOk = variant === 'minerva' ? minervaOk : hendrycksOk;
  const formatOk = variant === 'minerva' ? minervaRaw !== MINERVA_INVALID_ANSWER : lastBoxedOnlyString(output) !== null;
  return {
    extracted: variant === 'minerva' ? minervaRaw : hendrycksAnswer,
    correct: primaryOk,
    score: primaryOk ? 1 : 0,
    metrics: {
      hendrycks_equiv: hendrycksOk ? 1 : 0,
      boxed_equiv: boxedOk ? 1 : 0,
      minerva_equiv: minervaOk ? 1 : 0,
      math_verify: verifyOk ? 1 : 0,
      format_accuracy: formatOk ? 1 : 0,
    },
    metadata: { hendrycks_answer: hendrycksAnswer, boxed_answer: boxedAnswer, minerva_answer: minervaAnswer },
  };
}
