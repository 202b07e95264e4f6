/**
 * `evaluate`: looks a benchmark name up in a registry, then runs it (`runner.ts`).
 */
import type { BaseBenchmark } from './benchmark.js';
import { BenchmarkRegistry } from './registry.js';
import type { EvaluationResult } from './result.js';
import { runEvaluation, type EvaluateOptions } from './runner.js';
import type { BenchmarkSample } from './types.js';

/**
 * Evaluates a model on a benchmark.
 *
 * Rows run through a pool of `concurrency` workers. Each request gets `timeoutMs`; a retryable
 * failure is retried up to `retries` times with exponential backoff and jitter, waiting the
 * server's `retry-after` when it sent one. A row that still fails is kept with its error message and
 * counted in `n_errors`: it is neither a wrong answer nor dropped. Responses (never errors) are
 * written to the cache; with `resume` they are read back instead of being requested again.
 *
 * @param options - the model, the benchmark and how to run
 * @returns the result: metrics, per-sample rows, timing
 * @throws ExptrackError `invalid_input` for bad options or duplicate sample ids, `not_found` for an
 * unknown benchmark name; the signal's reason when cancelled
 * @example
 * ```ts
 * import { evaluate, Gsm8kBenchmark, openAICompatibleModel } from 'exptrack/eval';
 * const model = openAICompatibleModel({ baseURL: 'http://127.0.0.1:8000/v1', model: 'qwen2.5-0.5b', endpoint: 'completions' });
 * const result = await evaluate({ model, benchmark: new Gsm8kBenchmark({ source: './data/gsm8k' }), numSamples: 100, concurrency: 16 });
 * console.log(result.metrics.accuracy, result.metrics.accuracy_ci_lower, result.metrics.accuracy_ci_upper);
 * ```
 */
export async function evaluate<S extends BenchmarkSample = BenchmarkSample>(options: EvaluateOptions<S>): Promise<EvaluationResult> {
  const benchmark =
    typeof options.benchmark === 'string'
      ? ((options.registry ?? BenchmarkRegistry.default()).get(options.benchmark, options.benchmarkOptions) as unknown as BaseBenchmark<S>)
      : options.benchmark;
  return runEvaluation(options, benchmark);
}
