/**
 * Registers the built-in multiple-choice tasks under lm-eval's names.
 */
import type { MultipleChoiceOptions } from '../../multiple-choice.js';
import type { BenchmarkRegistry } from '../../registry.js';
import { ArcBenchmark } from './arc.js';
import { HellaswagBenchmark } from './hellaswag.js';
import { MMLU_SUBJECTS, MmluBenchmark, MmluGroupBenchmark } from './mmlu.js';
import { PiqaBenchmark } from './piqa.js';
import { TruthfulqaBenchmark } from './truthfulqa.js';
import { WinograndeBenchmark } from './winogrande.js';

/**
 * Adds `arc_easy`, `arc_challenge`, `hellaswag`, `mmlu`, `mmlu_<subject>` (57), `winogrande`,
 * `piqa`, `truthfulqa_mc1` and `truthfulqa_mc2` to a registry. Each factory takes
 * {@link MultipleChoiceOptions}: `records` and `fewshotRecords` (rows as Hugging Face publishes
 * them) or `source` (a data directory), `numFewshot` and `fewshotSeed`.
 *
 * @param registry - the registry to fill
 * @returns the registry
 * @example
 * ```ts
 * import { BenchmarkRegistry, registerMultipleChoiceTasks } from 'exptrack/eval';
 * registerMultipleChoiceTasks(new BenchmarkRegistry()).has('mmlu_anatomy'); // true
 * ```
 */
export function registerMultipleChoiceTasks(registry: BenchmarkRegistry): BenchmarkRegistry {
  const opts = (o: Record<string, unknown> | undefined) => (o ?? {}) as MultipleChoiceOptions<never>;
  registry.register('arc_easy', (o) => new ArcBenchmark({ ...opts(o), variant: 'easy' }));
  registry.register('arc_challenge', (o) => new ArcBenchmark({ ...opts(o), variant: 'challenge' }));
  registry.register('hellaswag', (o) => new HellaswagBenchmark(opts(o)));
  registry.register('winogrande', (o) => new WinograndeBenchmark(opts(o)));
  registry.register('piqa', (o) => new PiqaBenchmark(opts(o)));
  registry.register('truthfulqa_mc1', (o) => new TruthfulqaBenchmark({ ...opts(o), variant: 'mc1' }));
  registry.register('truthfulqa_mc2', (o) => new TruthfulqaBenchmark({ ...opts(o), variant: 'mc2' }));
  registry.register('mmlu', (o) => new MmluGroupBenchmark(opts(o)));
  for (const subject of Object.keys(MMLU_SUBJECTS)) registry.register(`mmlu_${subject}`, (o) => new MmluBenchmark({ ...opts(o), subject }));
  return registry;
}
