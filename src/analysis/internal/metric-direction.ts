/** Parts of a metric name that mean lower is better, anywhere in the name. */
const LOWER_SUBSTRINGS = ['loss', 'error', 'perplexity', 'latency', 'regret'] as const;
/** Abbreviations that mean lower is better when they are a whole word of the name (`val_mse`, `wer`). */
const LOWER_WORDS = ['ppl', 'nll', 'mse', 'mae', 'rmse', 'wer', 'cer', 'cost', 'err'] as const;

/**
 * The default ranking order of a metric: ascending (lower is better) when its lower-cased name
 * contains `loss`, `error`, `perplexity`, `latency` or `regret`, or has a word (split at anything
 * but letters and digits) `ppl`, `nll`, `mse`, `mae`, `rmse`, `wer`, `cer`, `cost` or `err`;
 * descending (higher is better) otherwise.
 */
export function defaultOrder(metric: string): 'asc' | 'desc' {
  const name = metric.toLowerCase();
  if (LOWER_SUBSTRINGS.some((part) => name.includes(part))) return 'asc';
  const words = name.split(/[^a-z0-9]+/);
  return LOWER_WORDS.some((word) => words.includes(word)) ? 'asc' : 'desc';
}
