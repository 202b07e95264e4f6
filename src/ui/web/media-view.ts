/// <reference lib="dom" />
/**
 * Media of a run: images as a gallery with a step slider, tables sortable and paged (every cell a
 * text node), histograms over steps as a heatmap (one row per step, darker = more values).
 * @module
 */
import type { HistogramValue, MediaRecord, TableValue } from 'exptrack';
import { api } from './client.js';
import { fmt, fmtValue, h, replace } from './dom.js';

/** The address of an image at a step. */
export function imageHref(id: string, key: string, step: number): string {
  return `/api/experiments/${encodeURIComponent(id)}/image?${new URLSearchParams({ key, step: String(step) }).toString()}`;
}

/** Loads a media key's items. */
export async function loadMedia(id: string, key: string): Promise<MediaRecord[]> {
  return (await api<{ items: MediaRecord[] }>(`/api/experiments/${encodeURIComponent(id)}/media`, { key })).items;
}

/**
 * A step slider over `steps`: calls `show` with the chosen step (the last one first).
 *
 * @param steps - the steps, ascending
 * @param show - renders a step
 * @returns the slider and its label
 * @example
 * ```ts
 * stepSlider([0, 10, 20], (step) => (img.src = imageHref(id, 'samples', step)));
 * ```
 */
export function stepSlider(steps: readonly number[], show: (step: number) => void): HTMLElement {
  const label = h('span', { class: 'mono', 'data-testid': 'step-label' });
  const slider = h('input', { type: 'range', min: 0, max: Math.max(0, steps.length - 1), step: 1, value: Math.max(0, steps.length - 1), 'data-testid': 'step-slider' });
  const update = () => {
    const step = steps[Number(slider.value)] ?? 0;
    label.textContent = `step ${step}`;
    show(step);
  };
  slider.addEventListener('input', update);
  update();
  return h('div', { class: 'toolbar' }, slider, label);
}

/**
 * An image gallery: the image at the chosen step with its caption.
 *
 * @param id - the run
 * @param key - the media key
 * @param items - the key's images
 * @returns the element
 * @example
 * ```ts
 * box.append(imageGallery(id, 'samples', await loadMedia(id, 'samples')));
 * ```
 */
export function imageGallery(id: string, key: string, items: readonly MediaRecord[]): HTMLElement {
  const img = h('img', { class: 'media-image', alt: key, 'data-testid': 'media-image' });
  const caption = h('div', { class: 'muted small' });
  const byStep = new Map(items.map((m) => [m.step, m]));
  const slider = stepSlider(items.map((m) => m.step), (step) => {
    img.src = imageHref(id, key, step);
    caption.textContent = byStep.get(step)?.caption ?? '';
  });
  return h('div', { class: 'media' }, slider, img, caption);
}

const PAGE_ROWS = 20;

/**
 * A table: click a header to sort by it (again to reverse), pages of 20 rows. Cells are text
 * nodes, so a cell that holds markup shows the markup as text.
 *
 * @param value - the table
 * @returns the element
 * @example
 * ```ts
 * box.append(tableView({ columns: ['q', 'a'], rows: [['2+2', '4']] }));
 * ```
 */
export function tableView(value: TableValue): HTMLElement {
  let sortColumn = -1;
  let descending = false;
  let page = 0;
  const body = h('tbody');
  const status = h('span', { class: 'muted small' });
  const prev = h('button', { onclick: () => { page--; render(); } }, '‹ prev');
  const next = h('button', { onclick: () => { page++; render(); } }, 'next ›');
  const compare = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(fmtValue(a)).localeCompare(String(fmtValue(b))));
  const render = () => {
    const rows = sortColumn < 0 ? value.rows : [...value.rows].sort((a, b) => (descending ? -1 : 1) * compare(a[sortColumn], b[sortColumn]));
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
    page = Math.min(Math.max(page, 0), pages - 1);
    replace(body, ...rows.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS).map((row) => h('tr', null, ...row.map((cell) => h('td', { class: typeof cell === 'number' ? 'num' : null }, fmtValue(cell))))));
    status.textContent = `rows ${rows.length === 0 ? 0 : page * PAGE_ROWS + 1}–${Math.min(rows.length, (page + 1) * PAGE_ROWS)} of ${rows.length}`;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  };
  const head = h('tr', null, ...value.columns.map((c, i) => h('th', { class: 'sortable', 'data-testid': 'media-table-header', onclick: () => { descending = sortColumn === i ? !descending : false; sortColumn = i; render(); } }, c)));
  render();
  return h('div', { class: 'media-table' }, h('table', { class: 'grid', 'data-testid': 'media-table' }, h('thead', null, head), body), h('div', { class: 'pager' }, prev, next, status));
}

/**
 * Histograms over steps as a heatmap: a row per step (first at the top), the value axis shared by
 * all rows, each cell as dark as its count relative to that step's largest.
 *
 * @param items - the key's histograms
 * @returns the element
 * @example
 * ```ts
 * box.append(histogramHeatmap(await loadMedia(id, 'weights')));
 * ```
 */
export function histogramHeatmap(items: ReadonlyArray<{ step: number; value: HistogramValue }>): HTMLElement {
  const rows = items.filter((m) => m.value.edges.length > 1);
  const lo = Math.min(...rows.map((m) => m.value.edges[0]!));
  const hi = Math.max(...rows.map((m) => m.value.edges.at(-1)!));
  const width = 640;
  const rowHeight = Math.max(4, Math.min(24, Math.floor(320 / Math.max(1, rows.length))));
  const canvas = h('canvas', { width, height: rowHeight * rows.length, class: 'heatmap', 'data-testid': 'histogram-heatmap' });
  const ctx = canvas.getContext('2d');
  if (ctx && rows.length > 0 && hi > lo) {
    const x = (v: number) => ((v - lo) / (hi - lo)) * width;
    rows.forEach((m, r) => {
      const max = Math.max(1, ...m.value.counts);
      m.value.counts.forEach((count, i) => {
        const shade = count / max;
        ctx.fillStyle = `rgba(37, 99, 235, ${shade.toFixed(3)})`;
        const x0 = x(m.value.edges[i]!);
        ctx.fillRect(x0, r * rowHeight, Math.max(1, x(m.value.edges[i + 1]!) - x0), rowHeight - 1);
      });
    });
  }
  const steps = rows.map((m) => m.step);
  return h(
    'div',
    { class: 'media' },
    h('div', { class: 'muted small' }, rows.length === 0 ? 'no finite values' : `steps ${steps[0]}–${steps.at(-1)} (top to bottom), values ${fmt(lo)} to ${fmt(hi)} (left to right)`),
    canvas,
  );
}

/**
 * The media section of a run page: one card per key.
 *
 * @param id - the run
 * @param keys - its media keys
 * @returns the section (filled as each key loads)
 * @example
 * ```ts
 * main.append(mediaSection(id, [{ key: 'samples', kind: 'image', count: 3 }]));
 * ```
 */
export function mediaSection(id: string, keys: ReadonlyArray<{ key: string; kind: string; count: number }>): HTMLElement {
  const box = h('div', { class: 'cards' });
  for (const { key, kind } of keys) {
    const card = h('section', { class: 'card', 'data-testid': `media-card-${kind}` }, h('h2', null, key, h('span', { class: 'muted small' }, ` ${kind}`)), h('p', { class: 'muted' }, 'loading…'));
    box.append(card);
    void loadMedia(id, key).then(
      (items) => {
        const title = card.firstChild!;
        if (kind === 'image') replace(card, title, imageGallery(id, key, items));
        else if (kind === 'histogram') replace(card, title, histogramHeatmap(items.filter((m): m is Extract<MediaRecord, { kind: 'histogram' }> => m.kind === 'histogram')));
        else {
          const tables = items.filter((m): m is Extract<MediaRecord, { kind: 'table' }> => m.kind === 'table');
          const shown = h('div');
          replace(card, title, stepSlider(tables.map((m) => m.step), (step) => replace(shown, tableView(tables.find((m) => m.step === step)!.value))), shown);
        }
      },
      (error: unknown) => replace(card, card.firstChild!, h('p', { class: 'error' }, (error as Error).message)),
    );
  }
  return h('section', { 'data-testid': 'media' }, h('h2', null, 'Media'), keys.length === 0 ? h('p', { class: 'muted' }, 'no images, tables or histograms logged') : box);
}
