/// <reference lib="dom" />
/**
 * A parallel-coordinates plot of a sweep in SVG: one vertical axis per parameter and one for the
 * objective, one line per trial, coloured from the best value (dark) to the worst (light). Numbers
 * get a linear axis, or a log axis when they are positive and span more than two decades; choices
 * are spread evenly. Labels are text nodes.
 * @module
 */
import { fmt, svg } from './dom.js';

/** One trial of the plot. */
export interface ParallelTrial {
  number: number;
  params: Record<string, unknown>;
  /** The objective, or null for a trial without one (drawn grey, on no objective tick). */
  value: number | null;
  state: string;
}

interface Axis {
  name: string;
  /** Where a value lies on the axis, 0 (bottom) to 1 (top), or null when the trial has none. */
  place: (v: unknown) => number | null;
  ticks: [string, number][];
}

/**
 * Draws the plot.
 *
 * @param names - the parameters, in axis order
 * @param metric - the objective's name (the last axis)
 * @param direction - which way the objective is better (for the colours)
 * @param trials - the trials
 * @param width - the width in pixels
 * @returns the SVG element
 * @example
 * ```ts
 * parallelCoordinates(['lr', 'width'], 'loss', 'minimize', trials, 1100);
 * ```
 */
export function parallelCoordinates(names: readonly string[], metric: string, direction: 'minimize' | 'maximize', trials: readonly ParallelTrial[], width = 1100): SVGElement {
  const height = 340;
  const pad = { left: 60, right: 60, top: 34, bottom: 28 };
  const axes: Axis[] = [...names.map((n) => axisFor(n, trials.map((t) => t.params[n]))), axisFor(metric, trials.map((t) => t.value))];
  const x = (i: number) => pad.left + (axes.length === 1 ? 0.5 : i / (axes.length - 1)) * (width - pad.left - pad.right);
  const y = (p: number) => pad.top + (1 - p) * (height - pad.top - pad.bottom);
  const root = svg('svg', { class: 'parallel', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `parallel coordinates of ${trials.length} trials` });
  const values = trials.map((t) => t.value).filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const goodness = (v: number) => (hi === lo ? 1 : direction === 'minimize' ? (hi - v) / (hi - lo) : (v - lo) / (hi - lo));
  // Worst first, so the best lines are drawn on top.
  const ordered = [...trials].sort((a, b) => (a.value === null ? -1 : b.value === null ? 1 : goodness(a.value) - goodness(b.value)));
  for (const t of ordered) {
    const points = axes.map((a, i) => {
      const p = a.place(i === axes.length - 1 ? t.value : t.params[names[i] as string]);
      return p === null ? null : `${x(i).toFixed(1)},${y(p).toFixed(1)}`;
    });
    if (points.some((p) => p === null)) continue;
    const scored = t.value !== null && Number.isFinite(t.value);
    const g = scored ? goodness(t.value as number) : 0;
    const colour = scored ? `hsl(${220 - 10 * g}, ${45 + 40 * g}%, ${82 - 50 * g}%)` : '#cbd5e1';
    root.appendChild(
      svg(
        'polyline',
        { points: points.join(' '), fill: 'none', stroke: colour, 'stroke-width': scored && g === 1 ? 2.5 : 1.3, 'stroke-dasharray': t.state === 'completed' ? null : '4 3', class: 'trial', 'data-trial': t.number },
        svg('title', null, `trial ${t.number} (${t.state}): ${names.map((n) => `${n}=${String(t.params[n])}`).join(', ')} → ${metric} ${fmt(t.value)}`),
      ),
    );
  }
  axes.forEach((a, i) => {
    root.appendChild(svg('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(1), class: 'axis-line' }));
    root.appendChild(svg('text', { x: x(i), y: 16, 'text-anchor': 'middle', class: i === axes.length - 1 ? 'axis-name objective' : 'axis-name' }, a.name));
    for (const [label, p] of a.ticks) root.appendChild(svg('text', { x: x(i) + 5, y: y(p) + 4, class: 'tick' }, label));
  });
  return root;
}

function axisFor(name: string, raw: readonly unknown[]): Axis {
  const numbers = raw.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const present = raw.filter((v) => v !== null && v !== undefined);
  if (numbers.length > 0 && numbers.length === present.length) {
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    const log = lo > 0 && hi / lo > 100;
    const f = (v: number) => (log ? Math.log10(v) : v);
    const [a, b] = [f(lo), f(hi)];
    const place = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? (a === b ? 0.5 : (f(v) - a) / (b - a)) : null);
    const mid = log ? 10 ** ((a + b) / 2) : (lo + hi) / 2;
    return { name: log ? `${name} (log)` : name, place, ticks: lo === hi ? [[fmt(lo), 0.5]] : [[fmt(lo), 0], [fmt(Number(mid.toPrecision(3))), 0.5], [fmt(hi), 1]] };
  }
  const choices = [...new Set(present.map((v) => String(v)))].sort();
  const place = (v: unknown) => {
    if (v === null || v === undefined) return null;
    const k = choices.indexOf(String(v));
    return k < 0 ? null : choices.length === 1 ? 0.5 : k / (choices.length - 1);
  };
  return { name, place, ticks: choices.map((c, k): [string, number] => [c, choices.length === 1 ? 0.5 : k / (choices.length - 1)]) };
}
