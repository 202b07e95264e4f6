/**
 * A line chart of a metric's curve as inline SVG, for HTML reports.
 * @module
 */
import { formatNumber } from './format.js';

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * An SVG line chart of (step, value) points, with the value range and step range on its axes. NaN
 * values break the line; ±Infinity is left out.
 *
 * @param title - the chart's title (the metric's name)
 * @param steps - the x values
 * @param values - the y values
 * @param size - width and height in pixels
 * @returns the `<svg>` element as text
 * @example
 * ```ts
 * lineChartSvg('loss', [0, 1, 2], [1, 0.5, 0.25]);
 * ```
 */
export function lineChartSvg(title: string, steps: readonly number[], values: readonly number[], size = { width: 480, height: 180 }): string {
  const { width, height } = size;
  const pad = { left: 56, right: 12, top: 24, bottom: 28 };
  const finite = values.map((v, i) => ({ x: steps[i] as number, y: v })).filter((p) => Number.isFinite(p.y));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`;
  const titleText = `<text x="${pad.left}" y="16" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`;
  if (finite.length === 0) return `${head}${titleText}<text x="${pad.left}" y="${height / 2}" font-size="12">no finite values</text></svg>`;
  const xs = finite.map((p) => p.x);
  const ys = finite.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => pad.left + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const sy = (y: number) => pad.top + (y1 === y0 ? 0.5 : 1 - (y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const segments: string[] = [];
  let current: string[] = [];
  values.forEach((v, i) => {
    if (Number.isNaN(v)) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
    } else if (Number.isFinite(v)) {
      current.push(`${sx(steps[i] as number).toFixed(1)},${sy(v).toFixed(1)}`);
    }
  });
  if (current.length > 0) segments.push(current.join(' '));
  const lines = segments
    .map((pts) => (pts.includes(' ') ? `<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${pts}"/>` : `<circle cx="${pts.split(',')[0]}" cy="${pts.split(',')[1]}" r="2" fill="#2563eb"/>`))
    .join('');
  const axis = `<path d="M${pad.left},${pad.top}V${height - pad.bottom}H${width - pad.right}" fill="none" stroke="#999"/>`;
  const labels = [
    `<text x="${pad.left - 4}" y="${pad.top + 4}" font-size="10" text-anchor="end">${escapeHtml(formatNumber(y1))}</text>`,
    `<text x="${pad.left - 4}" y="${height - pad.bottom}" font-size="10" text-anchor="end">${escapeHtml(formatNumber(y0))}</text>`,
    `<text x="${pad.left}" y="${height - 10}" font-size="10">${escapeHtml(formatNumber(x0))}</text>`,
    `<text x="${width - pad.right}" y="${height - 10}" font-size="10" text-anchor="end">step ${escapeHtml(formatNumber(x1))}</text>`,
  ].join('');
  return `${head}${titleText}${axis}${lines}${labels}</svg>`;
}

/**
 * A small SVG sparkline for a table cell (the HTML report's; Markdown keeps the Unicode one, which
 * many fonts draw as solid bars). NaN and ±Infinity are left out.
 *
 * @param values - the curve's values, in step order
 * @param size - width and height in pixels
 * @returns the `<svg>` element as text
 * @example
 * ```ts
 * sparklineSvg([3, 2, 1.5, 1.2]);
 * ```
 */
export function sparklineSvg(values: readonly number[], size = { width: 120, height: 24 }): string {
  const finite = values.map((v, i) => ({ i, v })).filter((p) => Number.isFinite(p.v));
  const head = `<svg xmlns="http://www.w3.org/2000/svg" class="spark" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" aria-hidden="true">`;
  if (finite.length < 2) return `${head}</svg>`;
  const lo = Math.min(...finite.map((p) => p.v));
  const hi = Math.max(...finite.map((p) => p.v));
  const last = values.length - 1 || 1;
  const points = finite
    .map((p) => `${((p.i / last) * (size.width - 2) + 1).toFixed(1)},${(hi === lo ? size.height / 2 : 1 + (1 - (p.v - lo) / (hi - lo)) * (size.height - 2)).toFixed(1)}`)
    .join(' ');
  return `${head}<polyline fill="none" stroke="#2563eb" stroke-width="1.2" points="${points}"/></svg>`;
}

