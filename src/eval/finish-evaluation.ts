/**
 * The last step of every evaluation run, generation or multiple choice: the result with the
 * metadata every run records, logged to the tracker when one is given.
 * @module
 */
import type { JsonValue } from 'exptrack';
import { EvaluationResult } from './result.js';
import type { EvaluateOptions } from './runner.js';

/** What a runner measured, and the metadata only its kind of run has. */
export interface FinishedRun {
  benchmark: string;
  model: string;
  concurrency: number;
  result: Pick<ConstructorParameters<typeof EvaluationResult>[0], 'metrics' | 'samples' | 'timing' | 'counts'>;
  /** Added after the common keys (`repeats` and `generation`, or `kind` and `numFewshot`…). */
  metadata: Record<string, JsonValue>;
}

/**
 * Builds the result, with the caller's metadata and the run's settings (benchmark, model,
 * concurrency, split, numSamples, seed, resume), and logs it to `options.tracker`.
 *
 * @param options - the options `evaluate` was given
 * @param run - what the runner measured
 * @returns the result
 */
export async function finishEvaluation(options: Pick<EvaluateOptions, 'metadata' | 'split' | 'numSamples' | 'seed' | 'resume' | 'step' | 'tracker' | 'logName'>, run: FinishedRun): Promise<EvaluationResult> {
  const result = new EvaluationResult({
    benchmark: run.benchmark,
    model: run.model,
    ...run.result,
    metadata: {
      ...(options.metadata ?? {}),
      benchmark: run.benchmark,
      model: run.model,
      concurrency: run.concurrency,
      split: options.split ?? null,
      numSamples: options.numSamples ?? null,
      seed: options.seed ?? null,
      resume: options.resume ?? false,
      ...run.metadata,
    },
    step: options.step ?? null,
  });
  if (options.tracker) await options.tracker.logEvaluation(options.logName ?? run.benchmark, result);
  return result;
}
