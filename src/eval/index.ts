/**
 * `exptrack/eval`: the evaluation framework. Benchmarks (`BaseBenchmark`, the built-in
 * `Gsm8kBenchmark` with lm-evaluation-harness parity and `MathBenchmark`), a `BenchmarkRegistry`,
 * the concurrent runner `evaluate` (timeouts, retries honouring 429/503 and retry-after, a response
 * cache, resume, repeats with maj@k and pass@k, progress), `EvaluationResult` with standard errors
 * and Wilson intervals, the `openAICompatibleModel` adapter and the `llmJudge` scorer.
 *
 * It depends on core only (errors and types, by relative import so the subpath does not pull in the
 * root entry) and reaches stores through the `ResponseCacheStore` interface; it never loads a
 * backend or a database driver.
 *
 * @example
 * ```ts
 * import { evaluate, Gsm8kBenchmark, openAICompatibleModel } from 'exptrack/eval';
 * const model = openAICompatibleModel({ baseURL: 'http://127.0.0.1:8000/v1', model: 'my-model', endpoint: 'completions' });
 * const result = await evaluate({ model, benchmark: new Gsm8kBenchmark({ source: './data/gsm8k' }), numSamples: 200 });
 * console.log(result.metrics.accuracy, result.metrics.partial_accuracy, result.metrics.numeric_match);
 * ```
 *
 * @module
 */
export * from './types.js';
export { BaseBenchmark, type BenchmarkGeneration } from './benchmark.js';
export { BenchmarkRegistry, type BenchmarkFactory } from './registry.js';
export { evaluate } from './evaluate.js';
export { cutAtStop, type EvaluateOptions } from './runner.js';
export {
  EvaluationResult,
  aggregateRows,
  addMeanMetric,
  type EvaluationCounts,
  type EvaluationResultDict,
  type EvaluationTiming,
  type ScoredRow,
} from './result.js';
export { meanStderr, wilsonInterval, percentile, Z95 } from './stats.js';
export {
  responseCacheKey,
  MemoryResponseCache,
  defaultResponseCache,
  resolveResponseCache,
  readCachedResponse,
  type CacheOption,
  type CachedResponse,
} from './cache.js';
export { ModelRequestError, parseRetryAfter, normalizeModel, type NormalizedModel } from './model.js';
export { isRetryableError, retryDelayMs, sleep, type RetryPolicy } from './retry.js';
export { openAICompatibleModel, DEFAULT_MAX_RESPONSE_BYTES, type OpenAICompatibleOptions } from './models/openai-compatible.js';
export { llmJudge, parseJudgeReply, type LlmJudge, type LlmJudgeOptions, type JudgeInput, type JudgeVerdict } from './judge.js';
export { PythonRandom } from './data/python-random.js';
export { parseJsonl } from './data/jsonl.js';
export { readParquetRows } from './data/parquet.js';
export { readSource, isUrl, defaultCacheDir, sha256Hex, type DownloadOptions } from './data/source.js';
export { Gsm8kBenchmark, type Gsm8kOptions, type Gsm8kSample } from './benchmarks/gsm8k/benchmark.js';
export {
  INVALID_ANSWER,
  regexFilter,
  extractGsm8kAnswer,
  normalizeForExactMatch,
  gsm8kExactMatch,
  cotReference,
  parseGsm8kGold,
  stripCalculatorAnnotations,
  pythonStrip,
  type Gsm8kFilter,
  type Gsm8kVariant,
} from './benchmarks/gsm8k/filters.js';
export { numericExtract, numericMatch, parseGoldNumber } from './benchmarks/gsm8k/numeric-match.js';
export { GSM8K_COT_EXEMPLARS, type CotExemplar } from './benchmarks/gsm8k/cot-exemplars.js';
export {
  GSM8K_BASE_URL,
  GSM8K_SHA256,
  loadGsm8kSplit,
  parseGsm8kJsonl,
  resolveSplitLocation,
  type Gsm8kRecord,
  type Gsm8kSourceOptions,
} from './benchmarks/gsm8k/loader.js';
export { MathBenchmark, MINERVA_MATH_EXEMPLARS, scoreMathOutput, type MathOptions, type MathSample } from './benchmarks/math/benchmark.js';
export { lastBoxedOnlyString, removeBoxed, lastBoxedAnswer } from './benchmarks/math/boxed.js';
export { stripString, isEquivHendrycks, extractHendrycksAnswer, extractBoxedAnswer } from './benchmarks/math/hendrycks.js';
export { isSymbolicallyEqual, type SymbolicEquivOptions } from './benchmarks/math/symbolic-equiv.js';
export { mathVerify, type MathVerifyOptions } from './benchmarks/math/math-verify.js';
export { getUnnormalizedAnswer, normalizeFinalAnswer, isEquivMinerva, MINERVA_INVALID_ANSWER } from './benchmarks/math/minerva.js';
export { loadMathRecords, type MathRecord } from './benchmarks/math/loader.js';
export { loadTokenizer, type TextTokenizer } from './models/tokenizer.js';
export {
  completionsLoglikelihood,
  completionsLoglikelihoodClient,
  encodeLoglikelihoodPair,
  truncateLoglikelihoodInput,
  readEchoedLoglikelihood,
  contextTokensFromOffsets,
  type CompletionsLoglikelihoodConfig,
  type CompletionsLoglikelihoodClient,
} from './models/completions-loglikelihood.js';
export {
  MultipleChoiceBenchmark,
  isMultipleChoiceBenchmark,
  type MultipleChoiceSample,
  type MultipleChoiceOptions,
  type MultipleChoiceLoadOptions,
  type MultipleChoiceScore,
} from './multiple-choice.js';
export { loglikelihoodCacheKey } from './multiple-choice-runner.js';
export { readSplitRecords } from './benchmarks/multiple-choice/records.js';
export { stringField, stringArrayField, integerField, checkGoldIndex } from './benchmarks/multiple-choice/fields.js';
export { registerMultipleChoiceTasks } from './benchmarks/multiple-choice/register.js';
export { ArcBenchmark, type ArcRecord } from './benchmarks/multiple-choice/arc.js';
export { HellaswagBenchmark, preprocessHellaswag, type HellaswagRecord, type HellaswagDoc } from './benchmarks/multiple-choice/hellaswag.js';
export { MmluBenchmark, MmluGroupBenchmark, MMLU_SUBJECTS, type MmluRecord } from './benchmarks/multiple-choice/mmlu.js';
export { WinograndeBenchmark, type WinograndeRecord } from './benchmarks/multiple-choice/winogrande.js';
export { PiqaBenchmark, type PiqaRecord } from './benchmarks/multiple-choice/piqa.js';
export { TruthfulqaBenchmark, TRUTHFULQA_PREAMBLE, type TruthfulqaRecord } from './benchmarks/multiple-choice/truthfulqa.js';
