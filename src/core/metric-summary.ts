import type { MetricPoint, MetricSummary } from './types.js';

/**
 * Folds points into a running per-key summary. The last value is the one at the highest step;
 * at an equal step the later point wins. NaN never becomes a min or a max.
 */
export function foldMetricSummary(summary: MetricSummary | undefined, experimentId: string, point: MetricPoint): MetricSummary {
  const { step, value } = point;
  if (summary === undefined) {
    return {
      experimentId,
      key: point.key,
      count: 1,
      firstStep: step,
      lastStep: step,
      last: value,
      min: value,
      max: value,
    };
  }
  const next = { ...summary, count: summary.count + 1 };
  if (step < next.firstStep) next.firstStep = step;
  if (step >= next.lastStep) {
    next.lastStep = step;
    next.last = value;
  }
  if (!Number.isNaN(value)) {
    if (Number.isNaN(next.min) || value < next.min) next.min = value;
    if (Number.isNaN(next.max) || value > next.max) next.max = value;
  }
  return next;
}
