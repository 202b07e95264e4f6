/// <reference lib="dom" />
/**
 * Interactive metric charts on uPlot: curves fetched already downsampled from the server (so a
 * 1,000,000-point metric costs the page a few thousand points), drag to zoom (the zoomed window is
 * fetched again at full detail), double-click to zoom out, a live legend on hover, log scale and
 * smoothing.
 * @module
 */
import uPlot from 'uplot';
import { h, fmt } from './dom.js';

/** A downsampled curve as `/api/experiments/:id/metric` returns it. */
export interface CurveData {
  x: number[];
  y: (number | null)[];
  /** Points logged, NaN and ±Infinity included. */
  total: number;
  /** Of those, the points in the window asked for (all of them without a window). */
  inWindow: number;
  /** Of those, the NaN and ±Infinity values: counted, never drawn. */
  nonFinite: number;
  method: string;
  status: string;
}

/** What to fetch: how many points, which step window, how much smoothing. */
export interface FetchRequest {
  points: number;
  from?: number;
  to?: number;
  smoothing: number;
}

/** One curve of a chart. */
export interface CurveSource {
  label: string;
  color: string;
  fetch(request: FetchRequest): Promise<CurveData>;
}

/** Options of {@link MetricChart}. */
export interface MetricChartOptions {
  title: string;
  sources: CurveSource[];
  logScale: boolean;
  /** EMA weight in [0, 1): 0 is no smoothing. */
  smoothing: number;
  /** With smoothing, also draw the raw curve faintly (single-curve charts). */
  showRaw: boolean;
  height?: number;
}

/** Colours of overlaid runs, in order. */
export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#854d0e', '#475569'];

/**
 * One chart of one metric (several curves when comparing runs).
 *
 * @example
 * ```ts
 * const chart = new MetricChart(container, { title: 'loss', sources, logScale: false, smoothing: 0, showRaw: true });
 * await chart.load();
 * ```
 */
export class MetricChart {
  /** The chart's box (title, plot, status line). */
  readonly root: HTMLElement;
  private readonly plotBox: HTMLElement;
  private readonly statusLine: HTMLElement;
  private plot: uPlot | undefined;
  private plotLog = false;
  private range: [number, number] | undefined;
  private loading = 0;
  private readonly resizeObserver: ResizeObserver;
  private destroyed = false;

  /**
   * @param parent - where the chart goes
   * @param options - title, curves, scale and smoothing
   */
  constructor(
    parent: HTMLElement,
    private options: MetricChartOptions,
  ) {
    this.plotBox = h('div', { class: 'plot' });
    this.statusLine = h('div', { class: 'chart-status muted' });
    this.root = h('div', { class: 'chart', 'data-metric': options.title }, h('div', { class: 'chart-title' }, options.title), this.plotBox, this.statusLine);
    parent.appendChild(this.root);
    this.resizeObserver = new ResizeObserver(() => {
      if (this.plot !== undefined) this.plot.setSize({ width: this.width(), height: this.options.height ?? 220 });
    });
    this.resizeObserver.observe(this.plotBox);
  }

  private width(): number {
    return Math.max(200, Math.floor(this.plotBox.clientWidth || this.root.clientWidth || 600));
  }

  /**
   * Changes the scale or smoothing and draws again.
   * @param changes - what changes
   * @returns when drawn
   */
  update(changes: Partial<Pick<MetricChartOptions, 'logScale' | 'smoothing'>>): Promise<void> {
    this.options = { ...this.options, ...changes };
    return this.load();
  }

  /**
   * Fetches the curves (the zoomed window, if any) and draws them.
   * @returns when drawn
   */
  async load(): Promise<void> {
    const ticket = ++this.loading;
    if (this.plot === undefined) this.statusLine.textContent = 'loading…';
    const points = Math.min(10_000, this.width());
    const request: FetchRequest = { points, smoothing: this.options.smoothing, ...(this.range ? { from: this.range[0], to: this.range[1] } : {}) };
    const withRaw = this.options.showRaw && this.options.smoothing > 0 && this.options.sources.length === 1;
    let curves: CurveData[];
    let raw: CurveData | undefined;
    try {
      [curves, raw] = await Promise.all([
        Promise.all(this.options.sources.map((s) => s.fetch(request))),
        withRaw ? (this.options.sources[0] as CurveSource).fetch({ ...request, smoothing: 0 }) : Promise.resolve(undefined),
      ]);
    } catch (error) {
      if (ticket === this.loading && !this.destroyed) this.statusLine.textContent = `could not load: ${(error as Error).message}`;
      return;
    }
    if (ticket !== this.loading || this.destroyed) return;
    this.draw(curves, raw);
  }

  private draw(curves: CurveData[], raw: CurveData | undefined): void {
    const tables: [number[], (number | null)[]][] = curves.map((c) => [c.x, c.y]);
    if (raw !== undefined) tables.unshift([raw.x, raw.y]);
    const data = (tables.length === 1 ? [tables[0]?.[0] ?? [], tables[0]?.[1] ?? []] : uPlot.join(tables as uPlot.AlignedData[])) as uPlot.AlignedData;
    const positive = data.slice(1).every((ys) => Array.from(ys as ArrayLike<number | null>).every((v) => v === null || v === undefined || v > 0));
    const log = this.options.logScale && positive;
    const shown = curves.reduce((n, c) => n + c.x.length, 0);
    const nonFinite = curves.reduce((n, c) => n + c.nonFinite, 0);
    const drawable = curves.reduce((n, c) => n + c.inWindow, 0) - nonFinite;
    this.statusLine.textContent =
      `${shown.toLocaleString()} of ${drawable.toLocaleString()} points drawn` +
      (this.range ? ` (zoomed to steps ${fmt(this.range[0])}–${fmt(this.range[1])}; double-click to zoom out)` : ' (drag to zoom)') +
      (nonFinite > 0 ? `; ${nonFinite} NaN/∞ values not drawn` : '') +
      (this.options.logScale && !positive ? '; log scale needs positive values: linear shown' : '');
    if (this.plot !== undefined && this.plotLog === log && this.plot.series.length === data.length) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.plotLog = log;
    const series: uPlot.Series[] = [{ label: 'step' }];
    if (raw !== undefined) series.push({ label: `${this.options.sources[0]?.label ?? ''} (raw)`, stroke: 'rgba(100,116,139,0.35)', width: 1, spanGaps: true });
    this.options.sources.forEach((s) =>
      series.push({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true, value: (_u: uPlot, v: number | null) => (v === null ? '–' : fmt(v)) }),
    );
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.options.height ?? 220,
      series,
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [{}, { size: 60, values: (_u: uPlot, vals: number[]) => vals.map((v) => fmt(v)) }],
      legend: { live: true },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        bind: {
          dblclick: () => () => {
            this.range = undefined;
            void this.load();
            return null;
          },
        },
      },
      hooks: {
        setSelect: [
          (u: uPlot) => {
            if (u.select.width < 2) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.range = [from, to];
            void this.load();
          },
        ],
      },
    };
    this.plot = new uPlot(opts, data, this.plotBox);
  }

  /** Whether the chart drew into its canvas. */
  get drawn(): boolean {
    return this.plot !== undefined;
  }

  /** Removes the chart and stops its observers. */
  destroy(): void {
    this.destroyed = true;
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.root.remove();
  }
}
