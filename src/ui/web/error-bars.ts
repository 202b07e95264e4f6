/// <reference lib="dom" />
/**
 * Horizontal error-bar charts in SVG: one row per item, a dot at the score and a whisker over its
 * confidence interval. Labels are text nodes, never markup.
 * @module
 */
import { fmt, svg } from './dom.js';

/** One row of an error-bar chart. */
export interface ErrorBar {
  label: string;
  value: number;
  /** The interval, or null when there is none. */
  ci: [number, number] | null;
}

/**
 * Draws an error-bar chart.
 *
 * @param bars - the rows, top to bottom
 * @param width - the width in pixels
 * @returns the SVG element
 * @example
 * ```ts
 * errorBarChart([{ label: 'lr-0.01', value: 0.71, ci: [0.66, 0.75] }], 600);
 * ```
 */
export function errorBarChart(bars: readonly ErrorBar[], width = 640): SVGElement {
  const rowHeight = 24;
  const labelWidth = Math.min(220, Math.max(80, ...bars.map((b) => b.label.length * 7)));
  const plotLeft = labelWidth + 10;
  const plotWidth = Math.max(100, width - plotLeft - 60);
  const values = bars.flatMap((b) => (b.ci === null ? [b.value] : [b.value, b.ci[0], b.ci[1]])).filter(Number.isFinite);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo >= 0 && hi <= 1) [lo, hi] = [0, 1];
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const x = (v: number) => plotLeft + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * plotWidth;
  const height = bars.length * rowHeight + 24;
  const root = svg('svg', { class: 'error-bars', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  for (const t of [lo + pad, (lo + hi) / 2, hi - pad]) {
    root.appendChild(svg('line', { x1: x(t), x2: x(t), y1: 0, y2: height - 18, class: 'grid-line' }));
    root.appendChild(svg('text', { x: x(t), y: height - 4, 'text-anchor': 'middle', class: 'axis' }, fmt(Number(t.toPrecision(3)))));
  }
  bars.forEach((b, i) => {
    const y = i * rowHeight + rowHeight / 2 + 2;
    root.appendChild(svg('text', { x: labelWidth, y: y + 4, 'text-anchor': 'end', class: 'label' }, b.label.length > 32 ? `${b.label.slice(0, 31)}…` : b.label));
    if (b.ci !== null && Number.isFinite(b.ci[0]) && Number.isFinite(b.ci[1])) {
      root.appendChild(svg('line', { x1: x(b.ci[0]), x2: x(b.ci[1]), y1: y, y2: y, class: 'whisker' }));
      for (const end of b.ci) root.appendChild(svg('line', { x1: x(end), x2: x(end), y1: y - 5, y2: y + 5, class: 'whisker' }));
    }
    root.appendChild(svg('circle', { cx: x(b.value), cy: y, r: 4, class: 'dot' }, svg('title', null, `${b.label}: ${fmt(b.value)}${b.ci ? ` [${fmt(b.ci[0])}, ${fmt(b.ci[1])}]` : ''}`)));
    root.appendChild(svg('text', { x: plotLeft + plotWidth + 8, y: y + 4, class: 'value' }, fmt(b.value)));
  });
  return root;
}
