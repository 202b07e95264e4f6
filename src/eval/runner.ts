/**
 * `evaluate`: runs a benchmark against a model with bounded concurrency, timeouts, retries, a
 * response cache, resume and repeats, and returns an `EvaluationResult`.
 */
import { setMaxListeners } from 'node:events';
import { invalidInput } from '../core/errors.js';
import { type EvaluationSample, type JsonValue } from 'exptrack';
import type { BaseBenchmark, BenchmarkGeneration } from './benchmark.js';
import { readCachedResponse, resolveResponseCache, responseCacheKey, type CacheOption, type CachedResponse } from './cache.js';
import { normalizeModel, type NormalizedModel } from './model.js';
import { isMultipleChoiceBenchmark } from './multiple-choice.js';
import { evaluateMultipleChoice } from './multiple-choice-runner.js';
import type { BenchmarkRegistry } from './registry.js';
import { finishEvaluation } from './finish-evaluation.js';
import { aggregateRows, type EvaluationResult, type ScoredRow } from './result.js';
import { isRetryableError, type RetryPolicy } from './retry.js';
import { callWithRetry, circuitBreaker, errorMessage, positiveInt, positiveNumber, type RequestSettings } from './request-retry.js';
import type { BenchmarkSample, EvaluationLogger, GenerateOptions, ModelLike, ProgressEvent, Prompt } from './types.js';

/**
 * Everything `evaluate` accepts. Only `model` and `benchmark` are required.
 *
 * @example
 * ```ts
 * import type { EvaluateOptions } from 'exptrack/eval';
 * const o: EvaluateOptions = { model: async () => '#### 18', benchmark: 'gsm8k', numSamples: 50, concurrency: 16 };
 * ```
 */
export interface EvaluateOptions<S extends BenchmarkSample = BenchmarkSample> {
  /** A {@link Model} or a plain async function. */
  model: ModelLike;
  /** A benchmark instance, or a name looked up in `registry` (the default registry if omitted). */
  benchmark: BaseBenchmark<S> | string;
  /** Where names are looked up. */
  registry?: BenchmarkRegistry;
  /** Options for the registry's factory when `benchmark` is a name (e.g. `{ source: './gsm8k' }`). */
  benchmarkOptions?: Record<string, unknown>;
  /** The model's id in the cache key and the result; defaults to `model.id` or the function's name. */
  modelId?: string;
  /** The dataset split; the benchmark's default (`test`) if omitted. */
  split?: string;
  /** Evaluate only this many samples. */
  numSamples?: number;
  /** Shuffle with this seed before taking `numSamples`. */
  seed?: number;
  /** Requests in flight at once. @defaultValue 8 */
  concurrency?: number;
  /**
   * Log-likelihood requests per `loglikelihood` call, for multiple-choice benchmarks (lm-eval's
   * `batch_size`): `openAICompatibleModel` sends each call as one `/completions` body whose `prompt`
   * lists the batch's token lists, batched in lm-eval's order (longest first) when it has a
   * tokenizer. Generation sends one prompt per request whatever this is. @defaultValue 1
   */
  batchSize?: number;
  /** Per-request timeout in milliseconds (a timed-out request is retried). @defaultValue 60000 */
  timeoutMs?: number;
  /** Retries of a retryable failure (429, 503, timeouts, network errors). @defaultValue 3 */
  retries?: number;
  /** The first backoff in milliseconds, doubled per retry, with jitter. @defaultValue 250 */
  retryBaseDelayMs?: number;
  /** The cap of one backoff. @defaultValue 10000 */
  retryMaxDelayMs?: number;
  /** The longest `retry-after` honoured. @defaultValue 60000 */
  maxRetryAfterMs?: number;
  /**
   * Stops the evaluation after this many failed requests in a row (retries included, across all
   * rows in flight) with the same error: `evaluate` then rejects with an `unavailable` error quoting
   * it, instead of waiting through every row against a dead or hostile server. `Infinity` turns the
   * breaker off. @defaultValue 8
   */
  maxConsecutiveFailures?: number;
  /** Decides which failures are retried. @defaultValue isRetryableError */
  retryOn?: (error: unknown) => boolean;
  /** Cancels the run: requests in flight are aborted and `evaluate` rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Where responses are cached. @defaultValue true (the process-wide memory cache) */
  cache?: CacheOption;
  /**
   * Re-use cached responses: rows whose response is in the cache are not requested again, so a
   * re-run of an interrupted evaluation only does what is left and ends with the same result.
   * Without it every row is requested and the cache is refreshed.
   * @defaultValue false
   */
  resume?: boolean;
  /** Run each sample k times (the attempt index is part of the cache key). @defaultValue 1 */
  repeats?: number;
  /** Overrides of the benchmark's generation defaults. */
  generation?: BenchmarkGeneration;
  /** Called after every finished row. Exceptions it throws are ignored. */
  onProgress?: (progress: ProgressEvent) => void;
  /** Where the result is logged: `tracker.logEvaluation(logName, result)`. */
  tracker?: EvaluationLogger;
  /** The name the result is logged under. @defaultValue the benchmark's name */
  logName?: string;
  /** The training step the evaluation belongs to. */
  step?: number | null;
  /** Extra metadata stored on the result. */
  metadata?: Record<string, JsonValue>;
  /**
   * Few-shot examples per document, for multiple-choice benchmarks (their default is lm-eval's for
   * the task: 0 for all built-ins, MMLU included). Generation benchmarks take it as a benchmark option.
   */
  numFewshot?: number;
}

/**
 * Runs a resolved benchmark: `evaluate` once it has looked a benchmark name up (in `evaluate.ts`,
 * so that the registry, which evaluates too, and this runner do not import each other).
 */
export async function runEvaluation<S extends BenchmarkSample = BenchmarkSample>(options: EvaluateOptions<S>, benchmark: BaseBenchmark<S>): Promise<EvaluationResult> {
  const concurrency = positiveInt(options.concurrency ?? 8, 'concurrency');
  const repeats = positiveInt(options.repeats ?? 1, 'repeats');
  const batchSize = positiveInt(options.batchSize ?? 1, 'batchSize');
  const timeoutMs = positiveNumber(options.timeoutMs ?? 60_000, 'timeoutMs');
  const retries = options.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0) throw invalidInput('retries', retries, 'must be an integer >= 0');
  const policy: RetryPolicy = {
    retries,
    baseDelayMs: options.retryBaseDelayMs ?? 250,
    maxDelayMs: options.retryMaxDelayMs ?? 10_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
  };
  const retryOn = options.retryOn ?? isRetryableError;
  const breakerLimit = options.maxConsecutiveFailures ?? 8;
  if (!(breakerLimit >= 1) || (Number.isFinite(breakerLimit) && !Number.isInteger(breakerLimit))) {
    throw invalidInput('maxConsecutiveFailures', breakerLimit, 'must be an integer >= 1 or Infinity');
  }
  const model = normalizeModel(options.model, options.modelId);
  const cache = resolveResponseCache(options.cache);
  if (options.resume && !cache) throw invalidInput('resume', true, 'needs a cache (cache: false was given)');
  const multipleChoice = isMultipleChoiceBenchmark(benchmark);
  if (multipleChoice && repeats !== 1) throw invalidInput('repeats', repeats, 'must be 1 for a multiple-choice benchmark (log-likelihoods are deterministic)');
  if (!multipleChoice && options.numFewshot !== undefined) {
    throw invalidInput('numFewshot', options.numFewshot, `applies to multiple-choice benchmarks; give ${benchmark.name} its few-shot count as a benchmark option`);
  }
  options.signal?.throwIfAborted();
  // One signal for the run: the caller's, or the circuit breaker's when it trips.
  const stop = new AbortController();
  const onCallerAbort = () => stop.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const signal = stop.signal;
  // Each request in flight listens to the run's signal: concurrency above 10 is not a leak.
  setMaxListeners(0, signal);
  const breaker = circuitBreaker(breakerLimit, (error) => stop.abort(error));
  if (multipleChoice) {
    try {
      return await evaluateMultipleChoice(options as EvaluateOptions, benchmark, { concurrency, batchSize, cache, request: { timeoutMs, policy, retryOn, signal, breaker } });
    } finally {
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  const samples = await benchmark.loadDataset({
    ...(options.split === undefined ? {} : { split: options.split }),
    ...(options.numSamples === undefined ? {} : { numSamples: options.numSamples }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(signal ? { signal } : {}),
  });
  const seen = new Set<string>();
  for (const s of samples) {
    if (typeof s.id !== 'string' || s.id === '') throw invalidInput('sample.id', s.id, 'must be a non-empty string');
    if (seen.has(s.id)) throw invalidInput('sample.id', s.id, 'must be unique within a benchmark');
    seen.add(s.id);
  }

  const generation: BenchmarkGeneration = { ...benchmark.generation, ...options.generation };
  const jobs: Array<{ sampleIndex: number; attempt: number }> = [];
  for (let i = 0; i < samples.length; i++) for (let a = 0; a < repeats; a++) jobs.push({ sampleIndex: i, attempt: a });

  const prompts = new Map<number, Promise<Prompt>>();
  const promptFor = (i: number): Promise<Prompt> => {
    let p = prompts.get(i);
    if (!p) {
      p = Promise.resolve().then(() => benchmark.buildPrompt(samples[i]!));
      prompts.set(i, p);
    }
    return p;
  };

  const rows: ScoredRow[] = new Array<ScoredRow>(jobs.length);
  const started = performance.now();
  let next = 0;
  let done = 0;
  let correct = 0;
  let errors = 0;
  let cachedCount = 0;

  const runJob = async (job: { sampleIndex: number; attempt: number }): Promise<ScoredRow> => {
    const sample = samples[job.sampleIndex]!;
    const prompt = await promptFor(job.sampleIndex);
    const promptText = typeof prompt === 'string' ? prompt : JSON.stringify(prompt);
    const base = { id: sample.id, prompt: promptText, gold: sample.gold, attempt: job.attempt };
    const sampleMeta: Record<string, JsonValue> = { ...(sample.metadata ?? {}) };
    const key = cache ? responseCacheKey(model.id, prompt, generation, job.attempt) : undefined;

    let response: CachedResponse | undefined;
    let fromCache = false;
    let retriesUsed = 0;
    if (cache && key && options.resume) {
      response = await readCachedResponse(cache, key).catch(() => undefined);
      fromCache = response !== undefined;
    }
    if (!response) {
      try {
        const out = await generateWithRetry(model, prompt, generation, { timeoutMs, policy, retryOn, signal, breaker });
        response = out.response;
        retriesUsed = out.retries;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const row: EvaluationSample & { attempt: number } = {
          ...base,
          output: null,
          extracted: null,
          correct: null,
          score: null,
          latencyMs: null,
          error: errorMessage(error),
          metadata: { ...sampleMeta, retries: (error as { retriesUsed?: number }).retriesUsed ?? 0 },
        };
        return { row, metrics: {}, costUsd: null, cached: false };
      }
      if (cache && key) await cache.putCachedResponse(key, JSON.stringify(response)).catch(() => undefined);
    }

    const output = cutAtStop(response.text, generation.stop);
    const usage = {
      promptTokens: response.usage?.promptTokens ?? null,
      completionTokens: response.usage?.completionTokens ?? null,
    };
    try {
      const verdict = await benchmark.scoreOutput({ sample, output, prompt, ...(signal ? { signal } : {}) });
      const metrics = verdict.metrics ?? {};
      const row: EvaluationSample & { attempt: number } = {
        ...base,
        output,
        extracted: verdict.extracted,
        correct: verdict.correct,
        score: verdict.score ?? (verdict.correct === null ? null : verdict.correct ? 1 : 0),
        latencyMs: response.latencyMs,
        ...usage,
        error: null,
        metadata: {
          ...sampleMeta,
          ...(verdict.metadata ?? {}),
          ...(Object.keys(metrics).length ? { metrics } : {}),
          cached: fromCache,
          retries: retriesUsed,
          ...(response.costUsd === undefined ? {} : { costUsd: response.costUsd }),
        },
      };
      return { row, metrics, costUsd: response.costUsd ?? null, cached: fromCache };
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const row: EvaluationSample & { attempt: number } = {
        ...base,
        output,
        extracted: null,
        correct: null,
        score: null,
        latencyMs: response.latencyMs,
        ...usage,
        error: `scoring failed: ${errorMessage(error)}`,
        metadata: { ...sampleMeta, cached: fromCache, retries: retriesUsed },
      };
      return { row, metrics: {}, costUsd: response.costUsd ?? null, cached: fromCache };
    }
  };

  const report = () => {
    if (!options.onProgress) return;
    const elapsedMs = performance.now() - started;
    try {
      options.onProgress({ done, total: jobs.length, correct, errors, cached: cachedCount, rate: elapsedMs > 0 ? done / (elapsedMs / 1000) : 0, elapsedMs });
    } catch {
      // A progress callback must never break the run.
    }
  };

  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < jobs.length && !signal?.aborted) {
      const index = next++;
      try {
        const r = await runJob(jobs[index]!);
        rows[index] = r;
        done++;
        if (r.row.correct === true) correct++;
        if (r.row.error != null) errors++;
        if (r.cached) cachedCount++;
        report();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, jobs.length)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
  if (signal.aborted) throw signal.reason;
  if (failure) throw failure.error;

  const totalMs = performance.now() - started;
  const { metrics, timing, counts } = aggregateRows(rows, repeats, totalMs);
  return finishEvaluation(options, {
    benchmark: benchmark.name,
    model: model.id,
    concurrency,
    result: { metrics, samples: rows.map((r) => r.row), timing, counts },
    metadata: {
      repeats,
      generation: {
        maxTokens: generation.maxTokens ?? null,
        temperature: generation.temperature ?? null,
        stop: generation.stop ? [...generation.stop] : null,
      },
    },
  });
}

/** One generation request with the per-request timeout and the retry policy (see callWithRetry). */
async function generateWithRetry(
  model: NormalizedModel,
  prompt: Prompt,
  generation: BenchmarkGeneration,
  ctx: RequestSettings,
): Promise<{ response: CachedResponse; retries: number }> {
  const out = await callWithRetry((signal) => model.generate(prompt, { ...generation, signal } satisfies GenerateOptions), ctx);
  return {
    response: {
      text: out.value.text,
      latencyMs: out.latencyMs,
      ...(out.value.usage ? { usage: out.value.usage } : {}),
      ...(typeof out.value.costUsd === 'number' ? { costUsd: out.value.costUsd } : {}),
    },
    retries: out.retries,
  };
}

/**
 * Cuts a text at the first of the stop sequences (what a server honouring `stop` returns; a no-op
 * when the server already did).
 *
 * @param text - the output
 * @param stop - the stop sequences
 * @returns the text before the first stop sequence
 * @example
 * ```ts
 * import { cutAtStop } from 'exptrack/eval';
 * cutAtStop('#### 18\n\nQuestion: next', ['Question:']); // '#### 18\n\n'
 * ```
 */
export function cutAtStop(text: string, stop: readonly string[] | undefined): string {
  if (!stop || stop.length === 0) return text;
  let end = text.length;
  for (const s of stop) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}
