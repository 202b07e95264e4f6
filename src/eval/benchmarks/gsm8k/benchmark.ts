/**
 * `Gsm8kBenchmark`: lm-evaluation-harness's `gsm8k` and `gsm8k-cot` tasks, with exact parity in
 * prompts, few-shot sampling, filters and exact_match, plus the numeric-match scorer.
 */
import { ExptrackError, invalidInput } from '../../../core/errors.js';
import { BaseBenchmark, type BenchmarkGeneration } from '../../benchmark.js';
import { PythonRandom } from '../../data/python-random.js';
import type { BenchmarkSample, ChatMessage, LoadDatasetOptions, Prompt, SampleScore, ScoreInput } from '../../types.js';
import { GSM8K_COT_EXEMPLARS } from './cot-exemplars.js';
import {
  INVALID_ANSWER,
  cotReference,
  extractGsm8kAnswer,
  parseGsm8kGold,
  gsm8kExactMatch,
  stripCalculatorAnnotations,
  type Gsm8kFilter,
  type Gsm8kVariant,
} from './filters.js';
import { loadGsm8kSplit, resolveSplitLocation, GSM8K_BASE_URL, type Gsm8kRecord, type Gsm8kSourceOptions } from './loader.js';
import { numericExtract, numericMatch } from './numeric-match.js';

/**
 * Options of {@link Gsm8kBenchmark}.
 *
 * @example
 * ```ts
 * import type { Gsm8kOptions } from 'exptrack/eval';
 * const o: Gsm8kOptions = { variant: 'cot', source: './data/gsm8k', chat: true };
 * ```
 */
export interface Gsm8kOptions extends Gsm8kSourceOptions {
  /** `default` is lm-eval's `gsm8k` (5-shot from train), `cot` its `gsm8k-cot` (8 fixed exemplars). @defaultValue 'default' */
  variant?: Gsm8kVariant;
  /** Few-shot examples. @defaultValue 5 for `default`, 8 for `cot` */
  numFewshot?: number;
  /** Where the train split (few-shot pool of `default`) is, when `source` is a single file. */
  fewshotSource?: string;
  /** lm-eval's `fewshot_random_seed`. @defaultValue 1234 */
  fewshotSeed?: number;
  /** Prompt as chat messages, the few-shot examples as user/assistant turns (lm-eval's `fewshot_as_multiturn`). @defaultValue false */
  chat?: boolean;
  /**
   * Remove the `<<...>>` calculator annotations from few-shot solutions. lm-eval shows them, so the
   * default keeps them for parity.
   * @defaultValue false
   */
  stripCalculatorAnnotations?: boolean;
  /** Records to use instead of reading a source (tests, custom subsets): split name to records. */
  records?: Partial<Record<string, ReadonlyArray<{ question: string; answer: string }>>>;
}

/**
 * One GSM8K item: the question, the full answer field (`answer`) and the bare final answer
 * (`gold`), plus the few-shot examples drawn for it.
 *
 * @example
 * ```ts
 * import type { Gsm8kSample } from 'exptrack/eval';
 * declare const s: Gsm8kSample;
 * s.gold; // '18'
 * ```
 */
export interface Gsm8kSample extends BenchmarkSample {
  question: string;
  answer: string;
  /** The few-shot examples shown before this item. */
  fewshot: ReadonlyArray<{ question: string; target: string }>;
}

/**
 * GSM8K with lm-evaluation-harness parity.
 *
 * - `new Gsm8kBenchmark()` is lm-eval's `gsm8k`: `Question: {question}\nAnswer:`, 5 examples from
 *   the train split drawn as lm-eval draws them (Python's `random.Random(1234).sample`, one draw per
 *   evaluated document in order), target delimiter a space, examples separated by a blank line, stop
 *   at `Question:`, `</s>`, `<|im_end|>`, greedy, 256 new tokens.
 * - `new Gsm8kBenchmark({ variant: 'cot' })` is `gsm8k-cot`: the 8 fixed exemplars, `Q: ...\nA:`,
 *   stop at `Q:`, `</s>`, `<|im_end|>`.
 *
 * Per sample it reports lm-eval's two filters side by side and numeric-match. Metrics: `accuracy`
 * (strict-match exact match), `partial_accuracy` (flexible-extract exact match), `format_accuracy`
 * (share where strict-match found an answer), `exact_match,strict-match` and
 * `exact_match,flexible-extract` (lm-eval's names), and `numeric_match`.
 *
 * @example
 * ```ts
 * import { Gsm8kBenchmark } from 'exptrack/eval';
 * const gsm8k = new Gsm8kBenchmark();
 * gsm8k.extractAnswer('She makes 9 * 2 = $18.\n#### 18', 'strict-match'); // '18'
 * gsm8k.extractAnswer('The answer is $18.');                                // '$18.'
 * gsm8k.checkAnswer('$18.', 'Janet sells 16 - 3 - 4 = 9 duck eggs a day.\n#### 18'); // true
 * ```
 */
export class Gsm8kBenchmark extends BaseBenchmark<Gsm8kSample> {
  readonly name: string;
  readonly variant: Gsm8kVariant;
  override readonly generation: BenchmarkGeneration;
  private readonly options: Gsm8kOptions;
  private readonly numFewshot: number;

  /**
   * @param options - the variant, where the data is, and prompt options
   * @throws ExptrackError `invalid_input` for an unknown variant or a bad numFewshot
   */
  constructor(options: Gsm8kOptions = {}) {
    super();
    const variant = options.variant ?? 'default';
    if (variant !== 'default' && variant !== 'cot') throw invalidInput('variant', variant, "must be 'default' or 'cot'");
    this.variant = variant;
    this.name = variant === 'cot' ? 'gsm8k-cot' : 'gsm8k';
    this.options = options;
    this.numFewshot = options.numFewshot ?? (variant === 'cot' ? 8 : 5);
    if (!Number.isInteger(this.numFewshot) || this.numFewshot < 0) throw invalidInput('numFewshot', options.numFewshot, 'must be an integer >= 0');
    if (variant === 'cot' && this.numFewshot > GSM8K_COT_EXEMPLARS.length) {
      throw invalidInput('numFewshot', options.numFewshot, `must be <= ${GSM8K_COT_EXEMPLARS.length} for gsm8k-cot`);
    }
    this.generation = {
      maxTokens: 256,
      temperature: 0,
      stop: variant === 'cot' ? ['Q:', '</s>', '<|im_end|>'] : ['Question:', '</s>', '<|im_end|>'],
    };
  }

  /**
   * Loads a split and draws each item's few-shot examples.
   *
   * @param options - split (default `test`), numSamples (the first n, as lm-eval's `--limit`), seed
   * (shuffle first, with Python's `random.Random(seed).shuffle`)
   * @returns the samples, with ids `gsm8k-<split>-<line index>`
   * @throws ExptrackError from reading the data; `invalid_input` when few-shot examples are needed
   * but the train split has fewer records than `numFewshot`
   */
  async loadDataset(options: LoadDatasetOptions = {}): Promise<Gsm8kSample[]> {
    const split = options.split ?? 'test';
    let records = await this.records(split, this.options.source, options.signal);
    if (options.seed !== undefined) records = new PythonRandom(options.seed).shuffle([...records]);
    if (options.numSamples !== undefined) {
      if (!Number.isInteger(options.numSamples) || options.numSamples < 0) throw invalidInput('numSamples', options.numSamples, 'must be an integer >= 0');
      records = records.slice(0, options.numSamples);
    }
    let draw: () => ReadonlyArray<{ question: string; target: string }>;
    if (this.variant === 'cot') {
      const shots = GSM8K_COT_EXEMPLARS.slice(0, this.numFewshot);
      draw = () => shots;
    } else if (this.numFewshot === 0) {
      draw = () => [];
    } else {
      if (!this.options.records?.train && this.options.fewshotSource === undefined) {
        const source = this.options.source ?? GSM8K_BASE_URL;
        if ((await resolveSplitLocation(source, 'train')) === (await resolveSplitLocation(source, split))) {
          throw invalidInput('fewshotSource', undefined, `is needed: source ${source} is a single file, and few-shot examples come from the train split`);
        }
      }
      const train = await this.records('train', this.options.fewshotSource ?? this.options.source, options.signal);
      if (train.length < this.numFewshot) {
        throw invalidInput('numFewshot', this.numFewshot, `needs a train split of at least that many records (got ${train.length})`);
      }
      const rnd = new PythonRandom(this.options.fewshotSeed ?? 1234);
      const strip = this.options.stripCalculatorAnnotations === true;
      draw = () =>
        rnd.sample(train.length, this.numFewshot).map((i) => {
          const ex = train[i]!;
          return { question: ex.question, target: strip ? stripCalculatorAnnotations(ex.answer) : ex.answer };
        });
    }
    return records.map((r) => ({
      id: `gsm8k-${split}-${r.index}`,
      question: r.question,
      answer: r.answer,
      gold: r.gold,
      fewshot: draw(),
      metadata: { split, index: r.index },
    }));
  }

  /**
   * The prompt lm-eval builds for this item (text), or the chat turns with `chat: true`.
   *
   * @param sample - the item
   * @returns the prompt
   */
  buildPrompt(sample: Gsm8kSample): Prompt {
    if (this.options.chat) {
      const messages: ChatMessage[] = [];
      for (const ex of sample.fewshot) {
        messages.push({ role: 'user', content: this.docToText(ex.question) });
        messages.push({ role: 'assistant', content: ex.target });
      }
      messages.push({ role: 'user', content: this.docToText(sample.question) });
      return messages;
    }
    let context = '';
    for (const ex of sample.fewshot) context += `${this.docToText(ex.question)} ${ex.target}\n\n`;
    return context + this.docToText(sample.question);
  }

  /**
   * lm-eval's extraction.
   *
   * @param text - the model output
   * @param filter - `strict-match` or `flexible-extract`
   * @returns the extracted string, or `[invalid]`
   */
  override extractAnswer(text: string, filter: Gsm8kFilter = 'flexible-extract'): string {
    return extractGsm8kAnswer(text, filter, this.variant);
  }

  /**
   * lm-eval's exact_match verdict.
   *
   * @param extracted - what a filter extracted
   * @param gold - the full GSM8K answer field or the bare number
   * @returns the verdict
   */
  override checkAnswer(extracted: string, gold: string): boolean {
    const reference = this.variant === 'cot' ? cotReference(gold) : gold;
    return gsm8kExactMatch(extracted, reference);
  }

  /**
   * Scores one output with both filters and numeric-match.
   *
   * @param input - the sample and the output
   * @returns the verdict (`correct` is strict-match) and the per-sample metrics
   */
  override async scoreOutput(input: Omit<ScoreInput<Gsm8kSample>, 'extracted'>): Promise<SampleScore> {
    const strict = this.extractAnswer(input.output, 'strict-match');
    const flexible = this.extractAnswer(input.output, 'flexible-extract');
    const gold = input.sample.answer || input.sample.gold;
    const strictOk = this.checkAnswer(strict, gold);
    const flexibleOk = this.checkAnswer(flexible, gold);
    const numericOk = numericMatch(input.output, input.sample.gold);
    const numeric = numericExtract(input.output);
    return {
      extracted: strict,
      correct: strictOk,
      score: strictOk ? 1 : 0,
      metrics: {
        'exact_match,strict-match': strictOk ? 1 : 0,
        'exact_match,flexible-extract': flexibleOk ? 1 : 0,
        partial_accuracy: flexibleOk ? 1 : 0,
        format_accuracy: strict === INVALID_ANSWER ? 0 : 1,
        numeric_match: numericOk ? 1 : 0,
      },
      metadata: { strict_match: strict, flexible_extract: flexible, numeric_extract: numeric },
    };
  }

  private docToText(question: string): string {
    return this.variant === 'cot' ? `Q: ${question}\nA:` : `Question: ${question}\nAnswer:`;
  }

  private readonly cache = new Map<string, Promise<Gsm8kRecord[]>>();

  private records(split: string, source: string | undefined, signal?: AbortSignal): Promise<Gsm8kRecord[]> {
    const inline = this.options.records?.[split];
    if (inline) {
      return Promise.resolve(
        inline.map((r, index) => {
          const gold = parseGsm8kGold(r.answer);
          if (!gold) throw new ExptrackError(`records.${split}[${index}] has no "#### " final answer`, { code: 'parse_error', field: `records.${split}[${index}]` });
          return { index, question: r.question, answer: r.answer, gold };
        }),
      );
    }
    if (this.options.records && source === undefined) {
      return Promise.reject(invalidInput(`records.${split}`, undefined, 'is missing (records were given without a source)'));
    }
    const key = `${source ?? ''}\u0000${split}`;
    let p = this.cache.get(key);
    if (!p) {
      p = loadGsm8kSplit(split, { ...this.options, ...(source === undefined ? {} : { source }), ...(signal ? { signal } : {}) });
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }
}
