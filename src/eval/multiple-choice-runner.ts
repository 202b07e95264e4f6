/**
 * The runner of multiple-choice benchmarks: every choice of every document is one log-likelihood
 * request, sent through a pool of `concurrency` workers with the same timeouts, retries, cache and
 * resume as generation; each document becomes one row.
 */
import { createHash } from 'node:crypto';
import { ExptrackError } from '../core/errors.js';
import { callWithRetry, errorMessage, type RequestSettings } from './request-retry.js';
import type { EvaluationSample, JsonValue, ResponseCacheStore } from 'exptrack';
import type { MultipleChoiceBenchmark, MultipleChoiceSample } from './multiple-choice.js';
import { finishEvaluation } from './finish-evaluation.js';
import { aggregateRows, type EvaluationResult, type ScoredRow } from './result.js';
import type { EvaluateOptions } from './runner.js';
import type { LoglikelihoodRequest, LoglikelihoodResult, Model } from './types.js';

type Loglikelihood = NonNullable<Model['loglikelihood']>;

interface RequestOutcome {
  result?: LoglikelihoodResult;
  error?: string;
  latencyMs: number | null;
  cached: boolean;
  retries: number;
}

/**
 * The cache key of one log-likelihood request: the model, the context and the continuation.
 *
 * @param modelId - the model's id
 * @param request - the request
 * @returns a hex SHA-256
 * @example
 * ```ts
 * import { loglikelihoodCacheKey } from 'exptrack/eval';
 * loglikelihoodCacheKey('m', { context: 'Q:', continuation: ' A' }).length; // 64
 * ```
 */
export function loglikelihoodCacheKey(modelId: string, request: LoglikelihoodRequest): string {
  const canonical = JSON.stringify({ v: 1, kind: 'loglikelihood', model: modelId, context: request.context, continuation: request.continuation });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Evaluates a model on a multiple-choice benchmark: `evaluate` calls it once it has resolved the
 * benchmark and validated the run settings.
 *
 * @internal
 * @param options - the evaluate options
 * @param benchmark - the resolved benchmark
 * @param run - the validated concurrency, batch size, cache and request settings
 * @returns the result: one row per document in dataset order, `acc` / `acc_norm` with stderr and intervals
 * @throws ExptrackError `invalid_input` when the model has no `loglikelihood`
 * @example
 * ```ts
 * import { evaluate, BenchmarkRegistry } from 'exptrack/eval';
 * declare const model: import('exptrack/eval').Model;
 * const result = await evaluate({ model, benchmark: BenchmarkRegistry.default().get('arc_easy', { source: './data/ai2_arc' }) });
 * ```
 */
export async function evaluateMultipleChoice(
  options: EvaluateOptions,
  benchmark: MultipleChoiceBenchmark<unknown, unknown>,
  run: { concurrency: number; batchSize: number; cache: ResponseCacheStore | undefined; request: RequestSettings },
): Promise<EvaluationResult> {
  const model = options.model as Model;
  const loglikelihood: Loglikelihood | undefined = typeof model === 'object' && model !== null && typeof model.loglikelihood === 'function' ? model.loglikelihood.bind(model) : undefined;
  if (!loglikelihood) {
    throw new ExptrackError(`${benchmark.name} is scored by log-likelihood: the model needs loglikelihood(), e.g. openAICompatibleModel({ endpoint: 'completions', tokenizer })`, {
      code: 'invalid_input',
      field: 'model',
    });
  }
  const modelId = options.modelId ?? model.id ?? 'anonymous-model';
  const { concurrency, cache, request: requestSettings } = run;
  const signal = requestSettings.signal;
  const numFewshot = benchmark.numFewshotFor(options.numFewshot);

  const samples = (await benchmark.loadDataset({
    ...(options.split === undefined ? {} : { split: options.split }),
    ...(options.numSamples === undefined ? {} : { numSamples: options.numSamples }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(signal ? { signal } : {}),
    numFewshot,
  })) as readonly MultipleChoiceSample<unknown>[];

  const requests: Array<{ sample: number; choice: number }> = [];
  samples.forEach((s, i) => s.requests.forEach((_, c) => requests.push({ sample: i, choice: c })));
  const jobs = await batchRequests(model, samples, requests, run.batchSize);
  const outcomes: RequestOutcome[][] = samples.map((s) => new Array<RequestOutcome>(s.requests.length));
  const remaining = samples.map((s) => s.requests.length);
  const started = performance.now();
  let docsDone = 0;
  let correct = 0;
  let errors = 0;
  let cachedDocs = 0;
  let next = 0;
  let failure: { error: unknown } | undefined;

  /** Answers one job (one `loglikelihood` call): cached answers first, the rest in one call. */
  const runJob = async (job: readonly LoglikelihoodRequest[]): Promise<RequestOutcome[]> => {
    const out = new Array<RequestOutcome>(job.length);
    const keys = cache ? job.map((r) => loglikelihoodCacheKey(modelId, r)) : undefined;
    const misses: number[] = [];
    for (let i = 0; i < job.length; i++) {
      const hit = cache && keys && options.resume ? await readCachedLoglikelihood(cache, keys[i]!) : undefined;
      if (hit) out[i] = { result: hit.result, latencyMs: hit.latencyMs, cached: true, retries: 0 };
      else misses.push(i);
    }
    if (misses.length === 0) return out;
    const sent = misses.map((i) => job[i]!);
    try {
      const answer = await callWithRetry(async (requestSignal) => checkedResults(await loglikelihood(sent, { signal: requestSignal }), sent.length), requestSettings);
      // A batch's latency is shared by its requests, so a row's latency sums to the time it took.
      const latencyMs = answer.latencyMs / sent.length;
      for (let k = 0; k < misses.length; k++) {
        const i = misses[k]!;
        const result = answer.value[k]!;
        out[i] = { result, latencyMs, cached: false, retries: answer.retries };
        if (cache && keys) {
          await cache.putCachedResponse(keys[i]!, JSON.stringify({ logprob: result.logprob, isGreedy: result.isGreedy, latencyMs })).catch(() => undefined);
        }
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const message = errorMessage(error);
      const retries = (error as { retriesUsed?: number }).retriesUsed ?? 0;
      for (const i of misses) out[i] = { error: message, latencyMs: null, cached: false, retries };
    }
    return out;
  };

  const rows: ScoredRow[] = new Array<ScoredRow>(samples.length);
  const scored: Array<{ sample: MultipleChoiceSample<unknown>; metrics: Record<string, number> }> = [];
  const finishDoc = (i: number) => {
    rows[i] = scoreDocument(benchmark, samples[i]!, outcomes[i]!);
    docsDone++;
    if (rows[i]!.row.correct === true) correct++;
    if (rows[i]!.row.error != null) errors++;
    if (rows[i]!.cached) cachedDocs++;
    if (options.onProgress) {
      const elapsedMs = performance.now() - started;
      try {
        options.onProgress({ done: docsDone, total: samples.length, correct, errors, cached: cachedDocs, rate: elapsedMs > 0 ? docsDone / (elapsedMs / 1000) : 0, elapsedMs });
      } catch {
        // A progress callback must never break the run.
      }
    }
  };

  const worker = async () => {
    while (failure === undefined && next < jobs.length && !signal?.aborted) {
      const job = jobs[next++]!;
      try {
        const answers = await runJob(job.map((j) => samples[j.sample]!.requests[j.choice]!));
        job.forEach((j, k) => {
          outcomes[j.sample]![j.choice] = answers[k]!;
          if (--remaining[j.sample]! === 0) finishDoc(j.sample);
        });
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, jobs.length)) }, worker));
  if (signal?.aborted) throw signal.reason;
  if (failure) throw failure.error;
  for (let i = 0; i < samples.length; i++) if (!rows[i]) finishDoc(i); // documents without choices

  for (let i = 0; i < rows.length; i++) if (rows[i]!.row.error == null) scored.push({ sample: samples[i]!, metrics: rows[i]!.metrics });
  const totalMs = performance.now() - started;
  const { metrics, timing, counts } = aggregateRows(rows, 1, totalMs);
  Object.assign(metrics, benchmark.groupMetrics(scored as never));
  metrics.n_requests = requests.length;
  return finishEvaluation(options, {
    benchmark: benchmark.name,
    model: modelId,
    concurrency,
    result: { metrics, samples: rows.map((r) => r.row), timing, counts },
    metadata: { kind: 'multiple_choice', numFewshot, requests: requests.length, batchSize: run.batchSize },
  });
}

function scoreDocument(benchmark: MultipleChoiceBenchmark<unknown, unknown>, sample: MultipleChoiceSample<unknown>, outcomes: readonly RequestOutcome[]): ScoredRow {
  const latencies = outcomes.map((o) => o.latencyMs).filter((v): v is number => typeof v === 'number');
  const cached = outcomes.length > 0 && outcomes.every((o) => o.cached);
  const retries = outcomes.reduce((a, o) => a + o.retries, 0);
  const base = {
    id: sample.id,
    prompt: sample.prompt,
    gold: sample.gold,
    attempt: 0,
    latencyMs: latencies.length ? latencies.reduce((a, b) => a + b, 0) : null,
  };
  const meta: Record<string, JsonValue> = { ...benchmark.sampleMetadata(sample), docIndex: sample.docIndex, cached, retries };
  const errorRow = (error: string, fromCache: boolean): ScoredRow => ({
    row: { ...base, output: null, extracted: null, correct: null, score: null, error, metadata: meta },
    metrics: {},
    costUsd: null,
    cached: fromCache,
  });
  const failed = outcomes.find((o) => o.error !== undefined);
  if (failed || outcomes.length === 0) return errorRow(failed?.error ?? 'the document has no choices', false);
  const results = outcomes.map((o) => o.result!);
  try {
    const verdict = benchmark.scoreChoices(sample, results);
    const row: EvaluationSample & { attempt: number } = {
      ...base,
      output: sample.choices[verdict.pred] ?? null,
      extracted: String(verdict.pred),
      correct: verdict.correct,
      score: verdict.score,
      error: null,
      metadata: {
        ...meta,
        ...(verdict.metrics.acc_norm === undefined ? {} : { acc_norm: verdict.metrics.acc_norm }),
        metrics: verdict.metrics,
        pred: verdict.pred,
        pred_norm: verdict.predNorm,
        loglikelihoods: results.map((r) => jsonNumber(r.logprob)),
        is_greedy: results.map((r) => r.isGreedy),
      },
    };
    return { row, metrics: verdict.metrics, costUsd: null, cached };
  } catch (error) {
    return errorRow(`scoring failed: ${errorMessage(error)}`, cached);
  }
}

/** The results of a call for `n` requests, checked (a model of the user's may answer anything). */
function checkedResults(out: unknown, n: number): LoglikelihoodResult[] {
  const ok = Array.isArray(out) && out.length === n && out.every((r: LoglikelihoodResult | undefined) => r !== null && typeof r === 'object' && typeof r.logprob === 'number' && typeof r.isGreedy === 'boolean');
  if (!ok) {
    throw new ExptrackError('loglikelihood() must resolve to one { logprob: number, isGreedy: boolean } per request', { code: 'invalid_input', field: 'model', retryable: false });
  }
  return out as LoglikelihoodResult[];
}

type RequestRef = { sample: number; choice: number };

/**
 * Cuts the requests into the jobs of `loglikelihood` calls. With a batch size of 1, one job per
 * request in document then choice order. Above 1, batches in lm-eval's order when the model gives
 * the requests' tokens (its `Collator`: longest token list first, then by the ids, ties in request
 * order), else in request order.
 */
async function batchRequests(model: Model, samples: readonly MultipleChoiceSample<unknown>[], requests: readonly RequestRef[], batchSize: number): Promise<RequestRef[][]> {
  if (batchSize === 1) return requests.map((r) => [r]);
  let order = requests;
  if (typeof model.loglikelihoodTokens === 'function') {
    const tokens = await model.loglikelihoodTokens(requests.map((r) => samples[r.sample]!.requests[r.choice]!));
    if (!Array.isArray(tokens) || tokens.length !== requests.length || !tokens.every(Array.isArray)) {
      throw new ExptrackError('loglikelihoodTokens() must resolve to one list of token ids per request', { code: 'invalid_input', field: 'model' });
    }
    const index = requests.map((_, i) => i);
    index.sort((a, b) => compareLongestFirst(tokens[a]!, tokens[b]!) || a - b);
    order = index.map((i) => requests[i]!);
  }
  const jobs: RequestRef[][] = [];
  for (let i = 0; i < order.length; i += batchSize) jobs.push(order.slice(i, i + batchSize));
  return jobs;
}

/** lm-eval's sort key `(-len(toks), tuple(toks))`: longer first, then the ids in order. */
function compareLongestFirst(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return b.length - a.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Log-likelihoods may be -Infinity; JSON keeps them as strings, as exptrack stores non-finite numbers. */
function jsonNumber(v: number): JsonValue {
  return Number.isFinite(v) ? v : String(v);
}

async function readCachedLoglikelihood(store: ResponseCacheStore, key: string): Promise<{ result: LoglikelihoodResult; latencyMs: number } | undefined> {
  const raw = await store.getCachedResponse(key).catch(() => undefined);
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as { logprob?: unknown; isGreedy?: unknown; latencyMs?: unknown };
    if (typeof parsed.logprob !== 'number' || typeof parsed.isGreedy !== 'boolean') return undefined;
    return { result: { logprob: parsed.logprob, isGreedy: parsed.isGreedy }, latencyMs: typeof parsed.latencyMs === 'number' ? parsed.latencyMs : 0 };
  } catch {
    return undefined;
  }
}
