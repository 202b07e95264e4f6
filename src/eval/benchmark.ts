/**
 * `BaseBenchmark`: the abstract class every benchmark extends, built in or written by a user.
 */
import type { BenchmarkSample, GenerateOptions, LoadDatasetOptions, Prompt, SampleScore, ScoreInput } from './types.js';

/**
 * Generation defaults a benchmark asks for (the caller may override them).
 *
 * @example
 * ```ts
 * import type { BenchmarkGeneration } from 'exptrack/eval';
 * const g: BenchmarkGeneration = { maxTokens: 256, temperature: 0, stop: ['Question:'] };
 * ```
 */
export type BenchmarkGeneration = Omit<GenerateOptions, 'signal'>;

/**
 * A benchmark: a dataset, a prompt per item, and a way to score an output. Subclasses implement
 * `name`, `loadDataset` and `buildPrompt`; `extractAnswer` defaults to the trimmed output and
 * `checkAnswer` to exact string equality. Override `scoreSample` for graded (non-binary) scores,
 * or `scoreOutput` to report several metrics per sample (as GSM8K does).
 *
 * @example
 * ```ts
 * import { BaseBenchmark, evaluate, type BenchmarkSample } from 'exptrack/eval';
 *
 * interface Capital extends BenchmarkSample { country: string }
 * class Capitals extends BaseBenchmark<Capital> {
 *   readonly name = 'capitals';
 *   loadDataset() {
 *     return [{ id: 'fr', country: 'France', gold: 'Paris' }, { id: 'jp', country: 'Japan', gold: 'Tokyo' }];
 *   }
 *   buildPrompt(s: Capital) { return `Capital of ${s.country}?`; }
 *   override checkAnswer(predicted: string, gold: string) { return predicted.toLowerCase() === gold.toLowerCase(); }
 * }
 * const result = await evaluate({ model: async () => 'paris', benchmark: new Capitals() });
 * result.metrics.accuracy; // 0.5
 * ```
 */
export abstract class BaseBenchmark<S extends BenchmarkSample = BenchmarkSample> {
  /** The benchmark's name, used when results are logged. */
  abstract readonly name: string;

  /** Generation defaults (max tokens, temperature, stop sequences); `evaluate` options win. */
  readonly generation: BenchmarkGeneration = {};

  /**
   * Loads the items to evaluate.
   *
   * @param options - the split, how many samples, a shuffling seed
   * @returns the samples, each with a unique `id`
   */
  abstract loadDataset(options: LoadDatasetOptions): Promise<readonly S[]> | readonly S[];

  /**
   * Builds the prompt for one item.
   *
   * @param sample - the item
   * @returns a text prompt or chat messages
   */
  abstract buildPrompt(sample: S): Prompt | Promise<Prompt>;

  /**
   * Takes the answer out of a model output. Defaults to the trimmed output.
   *
   * @param text - the model output
   * @returns the extracted answer
   */
  extractAnswer(text: string): string {
    return text.trim();
  }

  /**
   * Whether an extracted answer is right. Defaults to exact equality after trimming both.
   *
   * @param predicted - the extracted answer
   * @param gold - the sample's gold answer
   * @returns the verdict
   */
  checkAnswer(predicted: string, gold: string): boolean | Promise<boolean> {
    return predicted.trim() === gold.trim();
  }

  /**
   * Optional graded scoring. When a subclass defines it, it replaces `checkAnswer`: it returns a
   * score (a number, with `correct` = score > 0) or a full {@link SampleScore}.
   */
  scoreSample?(input: ScoreInput<S>): number | SampleScore | Promise<number | SampleScore>;

  /**
   * The whole scoring step for one output: extract, then `scoreSample` if defined, else
   * `checkAnswer`. Override it to report more than one metric per sample.
   *
   * @param input - the sample, the output, the prompt and the run's signal (`extracted` is filled here)
   * @returns the verdict
   */
  async scoreOutput(input: Omit<ScoreInput<S>, 'extracted'>): Promise<SampleScore> {
    const extracted = this.extractAnswer(input.output);
    if (this.scoreSample) {
      const scored = await this.scoreSample({ ...input, extracted });
      if (typeof scored === 'number') return { extracted, correct: scored > 0, score: scored };
      return { ...scored, extracted: scored.extracted ?? extracted };
    }
    const correct = await this.checkAnswer(extracted, input.sample.gold);
    return { extracted, correct, score: correct ? 1 : 0 };
  }
}
