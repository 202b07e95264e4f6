/**
 * Binning of histogram values at log time: the raw values are not kept.
 * @module
 */
import type { HistogramValue } from '../core/artifacts.js';

/** The number of bins `logHistogram` uses unless told otherwise. */
export const DEFAULT_HISTOGRAM_BINS = 64;

/**
 * Bins values into `bins` equal-width bins between their smallest and largest finite value. When
 * all finite values are equal, the bins span that value ± 0.5. NaN and ±Infinity are counted in
 * `nonFinite`. No finite value at all gives no bins.
 *
 * @example
 * ```ts
 * binHistogram([0, 1, 1, 2], 2); // { edges: [0, 1, 2], counts: [1, 3], nonFinite: 0 }
 * ```
 */
export function binHistogram(values: ArrayLike<number>, bins: number = DEFAULT_HISTOGRAM_BINS): HistogramValue {
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return { edges: [], counts: [], nonFinite };
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    let bin = Math.floor((v - min) / width);
    if (bin >= bins) bin = bins - 1;
    // Rounding may put a value one bin off its edges: move it to the bin that holds it.
    while (bin > 0 && v < edges[bin]!) bin--;
    while (bin < bins - 1 && v >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return { edges, counts, nonFinite };
}
