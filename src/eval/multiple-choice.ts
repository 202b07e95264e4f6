/**
 * `MultipleChoiceBenchmark`: the base of benchmarks scored by the log-likelihood of each choice
 * (lm-evaluation-harness's `output_type: multiple_choice`), with its few-shot contexts, requests and
 * `acc` / `acc_norm` scoring.
 */
import { invalidInput } from '../core/errors.js';
import type { JsonValue } from 'exptrack';
import { BaseBenchmark } from './benchmark.js';
import { PythonRandom } from './data/python-random.js';
import type { BenchmarkSample, LoadDatasetOptions, LoglikelihoodRequest, LoglikelihoodResult, Prompt, SampleScore } from './types.js';

/**
 * One multiple-choice item as the runner sends it: the log-likelihood requests (one per choice) and
 * what scoring needs.
 *
 * @example
 * ```ts
 * import type { MultipleChoiceSample } from 'exptrack/eval';
 * declare const s: MultipleChoiceSample;
 * s.requests[0]; // { context: 'Question: ...\nAnswer:', continuation: ' Paris' }
 * ```
 */
export interface MultipleChoiceSample<D = Record<string, unknown>> extends BenchmarkSample {
  /** The document as the benchmark processed it. */
  doc: D;
  /** The document's index in its split. */
  docIndex: number;
  /** The choices (lm-eval's `doc_to_choice`), whose lengths `acc_norm` divides by. */
  choices: string[];
  /** The gold choice's index (or indices, for several right answers). */
  goldIndex: number | number[];
  /** One request per choice, in choice order. */
  requests: LoglikelihoodRequest[];
  /** The row's prompt: the context, or for per-choice contexts their JSON list. */
  prompt: string;
}

/**
 * Options every multiple-choice benchmark takes.
 *
 * @example
 * ```ts
 * import type { MultipleChoiceOptions } from 'exptrack/eval';
 * const o: MultipleChoiceOptions = { source: './data/ai2_arc/ARC-Easy', numFewshot: 25 };
 * ```
 */
export interface MultipleChoiceOptions<R = Record<string, unknown>> {
  /** The evaluated split's rows, as the Hugging Face dataset publishes them. */
  records?: readonly R[];
  /** The rows of the split few-shot examples are drawn from (lm-eval's training or `fewshot_split`). */
  fewshotRecords?: readonly R[];
  /** A directory holding the splits as JSON Lines (`test.jsonl`, `train.jsonl`, ...). */
  source?: string;
  /** Few-shot examples; `evaluate({ numFewshot })` wins. @defaultValue the task's lm-eval default */
  numFewshot?: number;
  /** lm-eval's `fewshot_random_seed`. @defaultValue 1234 */
  fewshotSeed?: number;
}

/** The options `loadDataset` of a multiple-choice benchmark takes. */
export interface MultipleChoiceLoadOptions extends LoadDatasetOptions {
  /** Few-shot examples per document. */
  numFewshot?: number;
}

/** A document's verdict: the metrics and what the row keeps. */
export interface MultipleChoiceScore {
  /** Per-sample metrics (`acc`, `acc_norm`...), each averaged into the result. */
  metrics: Record<string, number>;
  /** The row's `correct` (for McNemar): `acc` as a boolean. */
  correct: boolean;
  /** The row's score. */
  score: number;
  /** The chosen index (argmax of the log-likelihoods). */
  pred: number;
  /** The chosen index after length normalisation. */
  predNorm: number;
}

/**
 * The base of multiple-choice benchmarks scored by log-likelihood, as lm-evaluation-harness's
 * `multiple_choice` tasks. A subclass says how a document becomes text (`docToText`), its choices
 * (`docToChoices`) and its gold index (`docToGold`), or, for partial evaluation as Winogrande,
 * per-choice contexts and one continuation (`docToPartial`); it also loads its splits
 * (`loadRecords`). The base builds the few-shot context (description, then `numFewshot` examples
 * drawn as lm-eval draws them, each `text + targetDelimiter + answer + fewshotDelimiter`), the
 * requests `(context, targetDelimiter + choice)`, and scores each document as lm-eval's
 * `process_results`: `acc` is whether the argmax of the log-likelihoods is the gold index, `acc_norm`
 * the same after dividing each by its choice's length in characters; ties go to the first index.
 *
 * @example
 * ```ts
 * import { MultipleChoiceBenchmark, evaluate, openAICompatibleModel } from 'exptrack/eval';
 * interface Row { q: string; options: string[]; answer: number }
 * class Capitals extends MultipleChoiceBenchmark<Row> {
 *   readonly name = 'capitals';
 *   protected readonly evalSplit = 'test';
 *   protected readonly fewshotSplit = 'train';
 *   docToText(d: Row) { return `Question: ${d.q}\nAnswer:`; }
 *   docToChoices(d: Row) { return d.options; }
 *   docToGold(d: Row) { return d.answer; }
 * }
 * const bench = new Capitals({ records: [{ q: 'Capital of France?', options: ['Paris', 'Rome'], answer: 0 }] });
 * const model = openAICompatibleModel({ baseURL: 'http://127.0.0.1:8000/v1', model: 'm', endpoint: 'completions', tokenizer: './tokenizer.json' });
 * const result = await evaluate({ model, benchmark: bench });
 * result.metrics.acc;
 * ```
 */
export abstract class MultipleChoiceBenchmark<D = Record<string, unknown>, R = Record<string, unknown>> extends BaseBenchmark<MultipleChoiceSample<D>> {
  /** Marks multiple-choice benchmarks for the runner (works across two copies of the package). */
  readonly kind = 'multiple_choice' as const;
  /** The split evaluated. */
  protected abstract readonly evalSplit: string;
  /** The split few-shot examples come from. */
  protected abstract readonly fewshotSplit: string;
  /** lm-eval's default `num_fewshot` for the task. */
  protected readonly defaultNumFewshot: number = 0;
  /** `random` (lm-eval's default sampler) or `first_n` (MMLU). */
  protected readonly fewshotSampler: 'random' | 'first_n' = 'random';
  /**
   * Whether lm-eval passes the evaluated document to the sampler (it does when the task's
   * `test_split` is unset): one extra example is drawn and the document dropped from the draw.
   */
  protected readonly fewshotExcludesEvalDoc: boolean = false;
  /** Between a question and its answer. */
  protected readonly targetDelimiter: string = ' ';
  /** After each few-shot example. */
  protected readonly fewshotDelimiter: string = '\n\n';
  /** The result metrics this task reports (lm-eval's `metric_list`). */
  readonly metricNames: readonly string[] = ['acc', 'acc_norm'];

  protected readonly options: MultipleChoiceOptions<R>;

  /**
   * @param options - records or a data directory, and few-shot settings
   */
  constructor(options: MultipleChoiceOptions<R> = {}) {
    super();
    if (options.numFewshot !== undefined && (!Number.isInteger(options.numFewshot) || options.numFewshot < 0)) {
      throw invalidInput('numFewshot', options.numFewshot, 'must be an integer >= 0');
    }
    this.options = options;
  }

  /** The question text of a document (lm-eval's `doc_to_text`). */
  abstract docToText(doc: D): string;
  /** The choices of a document (lm-eval's `doc_to_choice`). */
  abstract docToChoices(doc: D): string[];
  /** The gold choice's index. */
  abstract docToGold(doc: D): number | number[];
  /** For partial evaluation (Winogrande): one context per choice and the shared continuation. */
  docToPartial?(doc: D): { contexts: string[]; continuation: string };

  /** Text put before the few-shot examples (lm-eval's `description`). */
  description(_doc: D): string {
    return '';
  }

  /**
   * Turns a dataset row into a document (lm-eval's `process_docs`). Defaults to the row itself.
   *
   * @param record - the row as the dataset publishes it
   * @returns the document
   */
  processRecord(record: R): D {
    return record as unknown as D;
  }

  /**
   * Reads the rows of a split from `options.source`.
   *
   * @param split - the split name
   * @param signal - cancels the read
   * @returns the rows
   */
  protected abstract loadRecords(split: string, signal?: AbortSignal): Promise<readonly R[]>;

  /** The few-shot count in effect. */
  numFewshotFor(override?: number): number {
    const n = override ?? this.options.numFewshot ?? this.defaultNumFewshot;
    if (!Number.isInteger(n) || n < 0) throw invalidInput('numFewshot', n, 'must be an integer >= 0');
    return n;
  }

  /**
   * Builds the documents, their few-shot contexts and requests.
   *
   * @param options - the split, how many documents, a shuffling seed, the few-shot count
   * @returns one sample per document, in dataset order
   */
  async loadDataset(options: MultipleChoiceLoadOptions = {}): Promise<readonly MultipleChoiceSample<D>[]> {
    const split = options.split ?? this.evalSplit;
    const numFewshot = this.numFewshotFor(options.numFewshot);
    const records =
      split === this.evalSplit && this.options.records !== undefined ? this.options.records : await this.loadRecords(split, options.signal);
    checkRecords(records, 'records');
    let indexed = records.map((r, i) => ({ doc: this.processRecord(r), docIndex: i }));
    if (options.seed !== undefined) indexed = new PythonRandom(options.seed).shuffle([...indexed]);
    if (options.numSamples !== undefined) {
      if (!Number.isInteger(options.numSamples) || options.numSamples < 1) throw invalidInput('numSamples', options.numSamples, 'must be an integer >= 1');
      indexed = indexed.slice(0, options.numSamples);
    }

    let pool: D[] = [];
    if (numFewshot > 0) {
      const fewshotRecords =
        this.options.fewshotRecords ?? (this.fewshotSplit === split ? records : await this.loadRecords(this.fewshotSplit, options.signal));
      checkRecords(fewshotRecords, 'fewshotRecords');
      pool = fewshotRecords.map((r) => this.processRecord(r));
      if (pool.length < numFewshot) throw invalidInput('numFewshot', numFewshot, `exceeds the ${pool.length} few-shot examples available`);
    }
    const rnd = new PythonRandom(this.options.fewshotSeed ?? 1234);
    return indexed.map(({ doc, docIndex }) => this.buildSample(doc, docIndex, this.drawFewshot(pool, numFewshot, doc, rnd)));
  }

  private drawFewshot(pool: readonly D[], n: number, doc: D, rnd: PythonRandom): D[] {
    if (n === 0) return [];
    if (this.fewshotSampler === 'first_n') return pool.slice(0, n);
    if (!this.fewshotExcludesEvalDoc) return rnd.sample(pool.length, n).map((i) => pool[i]!);
    const key = JSON.stringify(doc);
    return rnd
      .sample(pool.length, n + 1)
      .map((i) => pool[i]!)
      .filter((d) => JSON.stringify(d) !== key)
      .slice(0, n);
  }

  private buildSample(doc: D, docIndex: number, fewshot: readonly D[]): MultipleChoiceSample<D> {
    let prefix = this.description(doc);
    for (const ex of fewshot) prefix += this.fewshotText(ex);
    const goldIndex = this.docToGold(doc);
    const partial = this.docToPartial?.(doc);
    let requests: LoglikelihoodRequest[];
    let choices: string[];
    let prompt: string;
    if (partial) {
      choices = partial.contexts;
      const contexts = partial.contexts.map((c) => prefix + c);
      requests = contexts.map((context) => ({ context, continuation: this.targetDelimiter + partial.continuation }));
      prompt = JSON.stringify(contexts);
    } else {
      choices = this.docToChoices(doc);
      const context = prefix + this.docToText(doc);
      requests = choices.map((c) => ({ context, continuation: this.targetDelimiter + c }));
      prompt = context;
    }
    return { id: `${this.name}:${docIndex}`, gold: JSON.stringify(goldIndex), doc, docIndex, choices, goldIndex, requests, prompt };
  }

  private fewshotText(ex: D): string {
    const partial = this.docToPartial?.(ex);
    const gold = this.docToGold(ex);
    const first = Array.isArray(gold) ? gold[0]! : gold;
    if (partial) return partial.contexts[first]! + this.targetDelimiter + partial.continuation + this.fewshotDelimiter;
    return this.docToText(ex) + this.targetDelimiter + this.docToChoices(ex)[first]! + this.fewshotDelimiter;
  }

  /**
   * Scores one document from its choices' log-likelihoods, as lm-eval's `process_results` for
   * multiple choice: argmax (first index on ties) for `acc`, argmax of log-likelihood / choice
   * length in characters (Unicode code points) for `acc_norm`.
   *
   * @param sample - the document
   * @param results - one log-likelihood per choice, in choice order
   * @returns the metrics and the chosen indices
   */
  scoreChoices(sample: MultipleChoiceSample<D>, results: readonly LoglikelihoodResult[]): MultipleChoiceScore {
    const lls = results.map((r) => r.logprob);
    const pred = argmax(lls);
    const predNorm = argmax(lls.map((ll, i) => ll / codePointLength(sample.choices[i]!)));
    const golds = Array.isArray(sample.goldIndex) ? sample.goldIndex : [sample.goldIndex];
    const acc = golds.includes(pred) ? 1 : 0;
    const accNorm = golds.includes(predNorm) ? 1 : 0;
    const metrics: Record<string, number> = {};
    if (this.metricNames.includes('acc')) metrics.acc = acc;
    if (this.metricNames.includes('acc_norm')) metrics.acc_norm = accNorm;
    return { metrics, correct: acc === 1, score: acc, pred, predNorm };
  }

  /**
   * Group metrics added to the result (MMLU's subject-weighted aggregation). Defaults to none.
   *
   * @param _rows - the scored rows: each sample with its metrics
   * @returns metrics to add or replace
   */
  groupMetrics(_rows: ReadonlyArray<{ sample: MultipleChoiceSample<D>; metrics: Record<string, number> }>): Record<string, number> {
    return {};
  }

  /** The context (for rows and for generation-style callers). */
  buildPrompt(sample: MultipleChoiceSample<D>): Prompt {
    return sample.prompt;
  }

  /** Multiple-choice benchmarks are scored by log-likelihood, never from generated text. */
  override scoreOutput(): Promise<SampleScore> {
    return Promise.reject(invalidInput('benchmark', this.name, 'is a multiple-choice benchmark: it is scored from log-likelihoods, not from generated text'));
  }

  /**
   * What a row keeps in its metadata.
   *
   * @param sample - the document
   * @returns the JSON metadata (subject, ...)
   */
  sampleMetadata(_sample: MultipleChoiceSample<D>): Record<string, JsonValue> {
    return {};
  }
}

/**
 * Whether a benchmark is a {@link MultipleChoiceBenchmark} (by its `kind`, so it works across two
 * copies of the package).
 *
 * @param benchmark - any benchmark
 * @returns true for multiple-choice benchmarks
 * @example
 * ```ts
 * import { isMultipleChoiceBenchmark, BenchmarkRegistry } from 'exptrack/eval';
 * isMultipleChoiceBenchmark(BenchmarkRegistry.default().get('arc_easy', { records: [] })); // true
 * ```
 */
export function isMultipleChoiceBenchmark(benchmark: unknown): benchmark is MultipleChoiceBenchmark<unknown, unknown> {
  return typeof benchmark === 'object' && benchmark !== null && (benchmark as { kind?: unknown }).kind === 'multiple_choice';
}

function argmax(values: readonly number[]): number {
  // numpy's argmax: the first maximum, or the first NaN when there is one.
  let best = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]!)) return i;
    if (values[i]! > values[best]!) best = i;
  }
  return best;
}

function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function checkRecords(records: unknown, field: string): asserts records is readonly unknown[] {
  if (!Array.isArray(records)) throw invalidInput(field, records, 'must be an array of dataset rows');
  records.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw invalidInput(`${field}[${i}]`, r, 'must be an object (a dataset row)');
  });
}
