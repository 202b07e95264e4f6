/// <reference lib="dom" />
/**
 * Score against cost in SVG: one dot per run (or group), the Pareto front (nothing cheaper scores
 * as well) joined by a line and drawn larger. Labels are text nodes, never markup.
 * @module
 */
import { fmt, svg } from './dom.js';

/** One point of a cost scatter. */
export interface CostPoint {
  label: string;
  score: number;
  /** Dollars. */
  cost: number;
  /** On the Pareto front of score against cost. */
  front: boolean;
}

/**
 * Draws the scatter.
 *
 * @param points - the runs with a cost
 * @param order - `desc` when a higher score is better (the front steps up), `asc` when lower is
 * @param width - the width in pixels
 * @returns the SVG element
 * @example
 * ```ts
 * costScatter([{ label: 'lr-0.01', score: 0.71, cost: 3.2, front: true }], 'desc', 600);
 * ```
 */
export function costScatter(points: readonly CostPoint[], order: 'asc' | 'desc', width = 640): SVGElement {
  const height = 300;
  const left = 56;
  const bottom = height - 36;
  const top = 12;
  const right = width - 16;
  const range = (values: number[]): [number, number] => {
    let lo = Math.min(...values);
    let hi = Math.max(...values);
    if (!(hi > lo)) [lo, hi] = [lo - Math.abs(lo || 1) * 0.5, hi + Math.abs(hi || 1) * 0.5];
    const pad = (hi - lo) * 0.06;
    return [lo - pad, hi + pad];
  };
  const [cLow, c1] = range(points.map((p) => p.cost));
  const c0 = Math.max(0, cLow); // dollars are never negative: the axis starts at $0 at the lowest
  const [s0, s1] = range(points.map((p) => p.score));
  const x = (cost: number) => left + ((cost - c0) / (c1 - c0)) * (right - left);
  const y = (score: number) => bottom - ((score - s0) / (s1 - s0)) * (bottom - top);
  const root = svg('svg', { class: 'cost-scatter', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  root.appendChild(svg('title', null, `score against cost; the Pareto front is joined (${order === 'desc' ? 'higher' : 'lower'} is better)`));
  for (const t of [c0, (c0 + c1) / 2, c1]) {
    root.appendChild(svg('line', { x1: x(t), x2: x(t), y1: top, y2: bottom, class: 'grid-line' }));
    root.appendChild(svg('text', { x: x(t), y: bottom + 16, 'text-anchor': 'middle', class: 'axis' }, `$${fmt(Number(t.toPrecision(3)))}`));
  }
  for (const t of [s0, (s0 + s1) / 2, s1]) {
    root.appendChild(svg('line', { x1: left, x2: right, y1: y(t), y2: y(t), class: 'grid-line' }));
    root.appendChild(svg('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'axis' }, fmt(Number(t.toPrecision(3)))));
  }
  root.appendChild(svg('text', { x: (left + right) / 2, y: height - 2, 'text-anchor': 'middle', class: 'axis' }, 'cost (USD)'));
  const front = points.filter((p) => p.front).sort((a, b) => a.cost - b.cost);
  if (front.length > 1) {
    // A staircase: from each front point, the best score so far holds until the next one.
    const steps = front.flatMap((p, i) => (i === 0 ? [`${x(p.cost)},${y(p.score)}`] : [`${x(p.cost)},${y((front[i - 1] as CostPoint).score)}`, `${x(p.cost)},${y(p.score)}`]));
    root.appendChild(svg('polyline', { points: steps.join(' '), class: 'pareto-line', 'data-testid': 'pareto-line' }));
  }
  for (const p of points) {
    root.appendChild(
      svg(
        'circle',
        { cx: x(p.cost), cy: y(p.score), r: p.front ? 6 : 4, class: p.front ? 'dot pareto' : 'dot', 'data-front': p.front ? '1' : '0' },
        svg('title', null, `${p.label}: ${fmt(p.score)} for $${fmt(p.cost)}${p.front ? ' (Pareto front)' : ''}`),
      ),
    );
    // Names beside the dots while they stay readable.
    if (points.length <= 20) root.appendChild(svg('text', { x: x(p.cost) + 8, y: y(p.score) - 6, class: 'axis' }, p.label.length > 24 ? `${p.label.slice(0, 23)}…` : p.label));
  }
  return root;
}
