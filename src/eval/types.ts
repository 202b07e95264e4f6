/**
 * The shapes the evaluation framework shares: prompts, models, samples, scores and progress.
 */
import type { EvaluationInput, JsonValue } from 'exptrack';

/**
 * One turn of a chat prompt.
 *
 * @example
 * ```ts
 * import type { ChatMessage } from 'exptrack/eval';
 * const turn: ChatMessage = { role: 'user', content: 'Question: 2+2?\nAnswer:' };
 * ```
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * What a model is asked: a plain text prompt (for completion endpoints) or chat messages.
 *
 * @example
 * ```ts
 * import type { Prompt } from 'exptrack/eval';
 * const p: Prompt = [{ role: 'user', content: 'Hi' }];
 * ```
 */
export type Prompt = string | readonly ChatMessage[];

/**
 * Generation settings passed to a model. The runner adds `signal` (cancellation and the per-request
 * timeout); the benchmark supplies defaults for the rest.
 *
 * @example
 * ```ts
 * import type { GenerateOptions } from 'exptrack/eval';
 * const o: GenerateOptions = { maxTokens: 256, temperature: 0, stop: ['Question:'] };
 * ```
 */
export interface GenerateOptions {
  /** Aborted when the run is cancelled or the request timed out. */
  signal?: AbortSignal;
  maxTokens?: number;
  temperature?: number;
  /** Stop sequences: generation ends before the first one. */
  stop?: readonly string[];
}

/**
 * Token counts a server reported for one request.
 *
 * @example
 * ```ts
 * import type { TokenUsage } from 'exptrack/eval';
 * const u: TokenUsage = { promptTokens: 812, completionTokens: 97 };
 * ```
 */
export interface TokenUsage {
  promptTokens?: number;
  completionTokens?: number;
}

/**
 * A model's answer with what it cost, when known.
 *
 * @example
 * ```ts
 * import type { GenerateResult } from 'exptrack/eval';
 * const r: GenerateResult = { text: '... #### 18', usage: { promptTokens: 80, completionTokens: 40 }, costUsd: 0.0001 };
 * ```
 */
export interface GenerateResult {
  text: string;
  usage?: TokenUsage;
  /** The estimated cost of the request in US dollars, when the adapter knows the prices. */
  costUsd?: number;
}

/**
 * A model the runner can query: anything with `generate`. The `id` names it in the cache key and in
 * results; give one, or pass `modelId` to `evaluate`, for resumable runs.
 *
 * @example
 * ```ts
 * import type { Model } from 'exptrack/eval';
 * const echo: Model = { id: 'echo', generate: async (prompt) => ({ text: String(prompt) }) };
 * ```
 */
export interface Model {
  readonly id?: string;
  generate(prompt: Prompt, options: GenerateOptions): Promise<string | GenerateResult>;
  /**
   * Log-likelihood requests, as lm-evaluation-harness defines them: for each request, the sum of the
   * log-probabilities of the continuation's tokens given the context, and whether greedy decoding
   * from the context would produce exactly the continuation. Multiple-choice benchmarks need it.
   */
  loglikelihood?(requests: readonly LoglikelihoodRequest[], options: LoglikelihoodOptions): Promise<LoglikelihoodResult[]>;
  /**
   * The token ids (context then continuation, before truncation) each request is scored on. With
   * `evaluate({ batchSize })` above 1, the runner sorts requests by them as lm-eval does (longest
   * first, then by the ids) before cutting batches, so each `loglikelihood` call carries the same
   * prompts as lm-eval's batch. `openAICompatibleModel` has it when given a tokenizer.
   */
  loglikelihoodTokens?(requests: readonly LoglikelihoodRequest[]): Promise<number[][]>;
}

/**
 * One log-likelihood request: the log-probability of `continuation` given `context`.
 *
 * @example
 * ```ts
 * import type { LoglikelihoodRequest } from 'exptrack/eval';
 * const r: LoglikelihoodRequest = { context: 'Question: 2+2?\nAnswer:', continuation: ' 4' };
 * ```
 */
export interface LoglikelihoodRequest {
  context: string;
  continuation: string;
}

/**
 * The answer to one {@link LoglikelihoodRequest}.
 *
 * @example
 * ```ts
 * import type { LoglikelihoodResult } from 'exptrack/eval';
 * const r: LoglikelihoodResult = { logprob: -1.25, isGreedy: false };
 * ```
 */
export interface LoglikelihoodResult {
  /** The sum of the continuation tokens' log-probabilities (natural log). */
  logprob: number;
  /** Whether every continuation token is the most likely token at its position. */
  isGreedy: boolean;
}

/**
 * Options of {@link Model.loglikelihood}; the runner adds `signal` (cancellation and the timeout).
 *
 * @example
 * ```ts
 * import type { LoglikelihoodOptions } from 'exptrack/eval';
 * const o: LoglikelihoodOptions = { signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface LoglikelihoodOptions {
  signal?: AbortSignal;
}

/**
 * A plain async function is accepted wherever a {@link Model} is.
 *
 * @example
 * ```ts
 * import type { ModelFunction } from 'exptrack/eval';
 * const always42: ModelFunction = async () => 'The answer is 42.';
 * ```
 */
export type ModelFunction = (prompt: Prompt, options: GenerateOptions) => Promise<string | GenerateResult>;

/**
 * A model object or a plain async function.
 *
 * @example
 * ```ts
 * import type { ModelLike } from 'exptrack/eval';
 * const m: ModelLike = async () => '#### 18';
 * ```
 */
export type ModelLike = Model | ModelFunction;

/**
 * One item of a benchmark: a stable `id`, the `gold` answer, and whatever else the benchmark needs
 * to build its prompt (question, solution, subject...).
 *
 * @example
 * ```ts
 * import type { BenchmarkSample } from 'exptrack/eval';
 * interface Capital extends BenchmarkSample { country: string }
 * const s: Capital = { id: 'fr', gold: 'Paris', country: 'France' };
 * ```
 */
export interface BenchmarkSample {
  /** Stable across runs (used for pairing runs and for the cache). */
  id: string;
  /** The reference answer, as the benchmark's `checkAnswer` expects it. */
  gold: string;
  /** Kept on each per-sample row (subject, level, source line...). */
  metadata?: Record<string, JsonValue>;
}

/**
 * The verdict on one model output.
 *
 * @example
 * ```ts
 * import type { SampleScore } from 'exptrack/eval';
 * const s: SampleScore = { extracted: '18', correct: true, score: 1, metrics: { numeric_match: 1 } };
 * ```
 */
export interface SampleScore {
  /** The answer taken from the output. */
  extracted: string | null;
  /**
   * Whether the answer is right. `null` means it could not be judged (an unparseable judge verdict):
   * such rows are counted as `unscored`, apart from right and wrong answers.
   */
  correct: boolean | null;
  /** A graded score; defaults to 1 or 0 from `correct`. */
  score?: number | null;
  /** Further per-sample values, each averaged into a result metric of the same name. */
  metrics?: Record<string, number>;
  /** Kept on the row (judge rationale, each filter's extraction...). */
  metadata?: Record<string, JsonValue>;
}

/**
 * What a benchmark's scoring step receives.
 *
 * @example
 * ```ts
 * import type { ScoreInput, BenchmarkSample } from 'exptrack/eval';
 * const input: ScoreInput<BenchmarkSample> = { sample: { id: '1', gold: '4' }, output: '4', extracted: '4', prompt: '2+2=' };
 * ```
 */
export interface ScoreInput<S extends BenchmarkSample> {
  sample: S;
  /** The raw model output (after the benchmark's stop sequences were applied). */
  output: string;
  /** What `extractAnswer(output)` returned. */
  extracted: string;
  prompt: Prompt;
  /** Aborted when the run is cancelled (for scorers that call a judge model). */
  signal?: AbortSignal;
}

/**
 * The options a benchmark's `loadDataset` receives.
 *
 * @example
 * ```ts
 * import type { LoadDatasetOptions } from 'exptrack/eval';
 * const o: LoadDatasetOptions = { split: 'test', numSamples: 100, seed: 1 };
 * ```
 */
export interface LoadDatasetOptions {
  /** Which split to load; benchmarks default to `test`. */
  split?: string;
  /** Keep only this many samples (the first ones, or a seeded random subset when `seed` is given). */
  numSamples?: number;
  /** When given, samples are shuffled with this seed before `numSamples` are taken. */
  seed?: number;
  /** Aborted when the run is cancelled (for loaders that download). */
  signal?: AbortSignal;
}

/**
 * Where the runner reports progress, after every finished request.
 *
 * @example
 * ```ts
 * import type { ProgressEvent } from 'exptrack/eval';
 * const onProgress = (p: ProgressEvent) => process.stderr.write(`\r${p.done}/${p.total}`);
 * ```
 */
export interface ProgressEvent {
  /** Requests finished (scored, failed or served from the cache). */
  done: number;
  total: number;
  /** Rows judged correct so far. */
  correct: number;
  /** Rows that failed after all retries. */
  errors: number;
  /** Rows served from the cache (with `resume`). */
  cached: number;
  /** Finished rows per second since the run started. */
  rate: number;
  elapsedMs: number;
}

/**
 * Anything that stores an evaluation: `ExperimentTracker` of `exptrack` fits.
 *
 * @example
 * ```ts
 * import type { EvaluationLogger } from 'exptrack/eval';
 * const logs: unknown[] = [];
 * const logger: EvaluationLogger = { logEvaluation: async (name, result) => { logs.push([name, result.metrics]); } };
 * ```
 */
export interface EvaluationLogger {
  logEvaluation(benchmark: string, result: EvaluationInput): Promise<void>;
}
