/**
 * The rules of `getMetricOutline`, shared by every backend so that they all answer alike: the
 * query's validation, the step ranges a window is split into, how the lowest and highest point of
 * each range (and the window's ends) become the drawn points, and the whole reduction in plain
 * JavaScript for a store that holds its points in memory. The SQL stores find the extremes of each
 * range in the database.
 * @module
 */
import { invalidInput } from './errors.js';
import type { MetricOutline, MetricOutlineQuery } from './types.js';

/** The most columns an outline may be asked for. */
const MAX_OUTLINE_BUCKETS = 100_000;

/** A checked outline query: whole steps, both included (empty when `fromStep > toStep`). */
export interface OutlineWindow {
  fromStep: number;
  toStep: number;
  buckets: number;
}

/** One point of a metric, as the outline needs it. */
export interface StepValue {
  step: number;
  value: number;
}

/** The first lowest and the first highest finite point of one step range. */
export interface RangeExtremes {
  min: StepValue;
  max: StepValue;
}

/**
 * Checks a query and turns its bounds into whole steps: a fraction of `fromStep` rounds up, of
 * `toStep` down; a missing or infinite bound opens the window on that side.
 *
 * @example
 * ```ts
 * outlineWindow({ fromStep: 9.5, buckets: 100 }); // { fromStep: 10, toStep: 9007199254740991, buckets: 100 }
 * ```
 */
export function outlineWindow(query: MetricOutlineQuery): OutlineWindow {
  const { buckets, fromStep, toStep } = query;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_OUTLINE_BUCKETS) {
    throw invalidInput('buckets', buckets, `must be an integer from 1 to ${MAX_OUTLINE_BUCKETS}`);
  }
  if (Number.isNaN(fromStep)) throw invalidInput('fromStep', fromStep, 'must be a number');
  if (Number.isNaN(toStep)) throw invalidInput('toStep', toStep, 'must be a number');
  return {
    fromStep: Math.max(0, Math.ceil(fromStep ?? 0)),
    toStep: Math.min(Number.MAX_SAFE_INTEGER, Math.floor(toStep ?? Number.MAX_SAFE_INTEGER)),
    buckets,
  };
}

/** Whether a window of `finite` points is drawn point by point rather than reduced. */
export function drawsEveryPoint(finite: number, buckets: number): boolean {
  return finite <= 2 * buckets;
}

/**
 * The `buckets + 1` edges of equal whole-step ranges from `firstStep` to `lastStep`: range i holds
 * the steps from `edges[i]` up to, not including, `edges[i + 1]`. A range is empty when its edges
 * are equal (fewer steps than ranges).
 *
 * @example
 * ```ts
 * rangeEdges(0, 9, 4); // [0, 2, 5, 7, 10]
 * ```
 */
export function rangeEdges(firstStep: number, lastStep: number, buckets: number): number[] {
  const span = lastStep - firstStep + 1;
  const edges = Array.from({ length: buckets + 1 }, (_, i) => firstStep + Math.floor((i * span) / buckets));
  edges[buckets] = lastStep + 1;
  return edges;
}

/**
 * The drawn points of a reduced window, in step order: per range its lowest and its highest point
 * (the lower first when they share a step, once when they are the same point), and the window's
 * first and last finite point, so that the curve spans the window. Empty ranges are undefined.
 *
 * @example
 * ```ts
 * const [first, last] = [{ step: 0, value: 5 }, { step: 9, value: 1 }];
 * drawnPoints([{ min: { step: 3, value: 0 }, max: { step: 1, value: 9 } }], first, last);
 * // { steps: [0, 1, 3, 9], values: [5, 9, 0, 1] }
 * ```
 */
export function drawnPoints(ranges: readonly (RangeExtremes | undefined)[], first: StepValue, last: StepValue): { steps: number[]; values: number[] } {
  const points: StepValue[] = [];
  for (const range of ranges) {
    if (range === undefined) continue;
    const { min, max } = range;
    const [before, after] = min.step <= max.step ? [min, max] : [max, min];
    points.push(before);
    if (!samePoint(min, max)) points.push(after);
  }
  // Only the first (last) non-empty range can hold the first (last) point.
  if (!points.slice(0, 2).some((p) => samePoint(p, first))) points.unshift(first);
  if (!points.slice(-2).some((p) => samePoint(p, last))) points.push(last);
  return { steps: points.map((p) => p.step), values: points.map((p) => p.value) };
}

function samePoint(a: StepValue, b: StepValue): boolean {
  return a.step === b.step && a.value === b.value;
}

/**
 * An outline of no points: the answer for an unknown experiment or key, or an empty window.
 *
 * @example
 * ```ts
 * emptyOutline('loss').count; // 0
 * ```
 */
export function emptyOutline(key: string): MetricOutline {
  return { key, count: 0, nonFinite: 0, firstStep: null, lastStep: null, reduced: false, steps: [], values: [] };
}

/**
 * The whole outline in plain JavaScript, for a store that keeps its points in memory.
 *
 * @param key - the metric, echoed in the answer
 * @param points - the metric's points in step order (points of one step in logging order)
 * @param query - the window and the number of columns
 * @returns the outline, as `getMetricOutline` defines it
 * @throws ExptrackError `invalid_input` for a malformed query
 * @example
 * ```ts
 * outlineOfPoints('loss', [{ step: 0, value: 1 }, { step: 1, value: NaN }], { buckets: 10 });
 * // { key: 'loss', count: 2, nonFinite: 1, firstStep: 0, lastStep: 1, reduced: false, steps: [0], values: [1] }
 * ```
 */
export function outlineOfPoints(key: string, points: readonly StepValue[], query: MetricOutlineQuery): MetricOutline {
  const { fromStep, toStep, buckets } = outlineWindow(query);
  const inWindow = points.filter((p) => p.step >= fromStep && p.step <= toStep);
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  if (first === undefined || last === undefined) return emptyOutline(key);
  const finite = inWindow.filter((p) => Number.isFinite(p.value));
  const counts = { key, count: inWindow.length, nonFinite: inWindow.length - finite.length, firstStep: first.step, lastStep: last.step };
  if (drawsEveryPoint(finite.length, buckets)) {
    return { ...counts, reduced: false, steps: finite.map((p) => p.step), values: finite.map((p) => p.value) };
  }
  const edges = rangeEdges(first.step, last.step, buckets);
  const ranges: (RangeExtremes | undefined)[] = Array.from({ length: buckets }, () => undefined);
  let range = 0;
  for (const p of finite) {
    while (p.step >= (edges[range + 1] as number)) range++;
    const seen = ranges[range];
    if (seen === undefined) ranges[range] = { min: p, max: p };
    else if (p.value < seen.min.value) seen.min = p;
    else if (p.value > seen.max.value) seen.max = p;
  }
  return { ...counts, reduced: true, ...drawnPoints(ranges, finite[0] as StepValue, finite[finite.length - 1] as StepValue) };
}
