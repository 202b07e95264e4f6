/**
 * What the dashboard does to a metric's points after the store outlined them (min/max per step
 * range, `getMetricOutline`): largest-triangle-three-buckets (LTTB) down to the chart's width, and
 * exponential smoothing.
 * @module
 */

/** A curve in columns: `x` ascending (steps), `y` the values. */
export interface Series {
  x: Float64Array;
  y: Float64Array;
}

/** How a curve is reduced: `lttb` keeps the visual shape, `minmax` (the store's outline as it is) keeps every spike. */
export type DownsampleMethod = 'lttb' | 'minmax';

/**
 * Largest-triangle-three-buckets: picks `threshold` points of a curve, one per bucket, the one
 * that makes the largest triangle with the point kept before and the mean of the next bucket.
 * Reference: S. Steinarsson, "Downsampling Time Series for Visual Representation" (2013).
 *
 * @param series - the curve; non-finite values must already be removed
 * @param threshold - how many points to keep (at least 3); a shorter curve is returned as is
 * @returns the kept points, in order
 * @example
 * ```ts
 * const x = Float64Array.from({ length: 1000 }, (_, i) => i);
 * lttb({ x, y: x.map(Math.sin) }, 100).x.length; // 100
 * ```
 */
export function lttb(series: Series, threshold: number): Series {
  const { x, y } = series;
  const n = x.length;
  if (threshold >= n || threshold < 3) return series;
  const outX = new Float64Array(threshold);
  const outY = new Float64Array(threshold);
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  outX[0] = x[0] as number;
  outY[0] = y[0] as number;
  for (let i = 0; i < threshold - 2; i++) {
    // The mean of the next bucket.
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += x[j] as number;
      avgY += y[j] as number;
    }
    const count = nextEnd - nextStart;
    avgX /= count;
    avgY /= count;
    // The point of this bucket making the largest triangle with a and the mean.
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = x[a] as number;
    const ay = y[a] as number;
    let maxArea = -1;
    let chosen = start;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * ((y[j] as number) - ay) - (ax - (x[j] as number)) * (avgY - ay));
      if (area > maxArea) {
        maxArea = area;
        chosen = j;
      }
    }
    outX[i + 1] = x[chosen] as number;
    outY[i + 1] = y[chosen] as number;
    a = chosen;
  }
  outX[threshold - 1] = x[n - 1] as number;
  outY[threshold - 1] = y[n - 1] as number;
  return { x: outX, y: outY };
}

/**
 * Exponential moving average with TensorBoard's debiasing: `smoothing` 0 leaves the curve as is,
 * 0.99 smooths it heavily. The dashboard applies it to the points the store returned, before LTTB.
 *
 * @param y - the values (finite)
 * @param smoothing - the weight of the past, in [0, 1)
 * @returns the smoothed values
 * @example
 * ```ts
 * ema(Float64Array.of(1, 0, 1, 0), 0.5); // [1, 0.33.., 0.71.., 0.33..]
 * ```
 */
export function ema(y: Float64Array, smoothing: number): Float64Array {
  if (smoothing <= 0) return y;
  const out = new Float64Array(y.length);
  let last = 0;
  let weight = 0;
  for (let i = 0; i < y.length; i++) {
    last = last * smoothing + (1 - smoothing) * (y[i] as number);
    weight = weight * smoothing + (1 - smoothing);
    out[i] = last / weight;
  }
  return out;
}
