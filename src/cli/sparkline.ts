/**
 * Unicode sparklines of a metric's curve.
 * @module
 */

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * A sparkline of a series in at most `width` characters: the series is cut into `width` buckets
 * (the mean of each), and each bucket is drawn with one of eight bar heights between the minimum
 * and the maximum. NaN values are left out of the buckets; a bucket with only NaN is a space;
 * ±Infinity is clamped to the finite range.
 *
 * @param values - the series, in step order
 * @param width - the most characters to draw
 * @returns the sparkline (empty for an empty series)
 * @example
 * ```ts
 * sparkline([1, 2, 3, 4, 5, 6, 7, 8]); // '▁▂▃▄▅▆▇█'
 * sparkline([3, 3, 3]);                // '▄▄▄'
 * ```
 */
export function sparkline(values: readonly number[], width = 40): string {
  if (values.length === 0) return '';
  const finite = values.filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 0;
  const buckets = Math.min(width, values.length);
  let out = '';
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * values.length) / buckets);
    const end = Math.floor(((b + 1) * values.length) / buckets);
    let sum = 0;
    let count = 0;
    for (let i = start; i < end; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) continue;
      sum += Math.min(hi, Math.max(lo, v));
      count++;
    }
    if (count === 0) {
      out += ' ';
      continue;
    }
    const mean = sum / count;
    const level = hi === lo ? 3 : Math.round(((mean - lo) / (hi - lo)) * (BARS.length - 1));
    out += BARS[level];
  }
  return out;
}
