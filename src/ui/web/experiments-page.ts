/// <reference lib="dom" />
/**
 * The experiments table: a filter box in the analysis filter language (its errors shown under it,
 * with a caret at the column), sortable columns, status, group, commit and key metrics, paging,
 * and selection of runs to compare.
 * @module
 */
import type { ListedExperiment } from '../../cli/commands/shared.js';
import { api, ApiError } from './client.js';
import { fmt, fmtDate, fmtDuration, h, replace } from './dom.js';
import { link, type Route } from './route.js';

interface ExperimentsPage {
  total: number;
  offset: number;
  limit: number;
  experiments: ListedExperiment[];
  metricColumns: string[];
}

const COLUMNS: [sort: string, label: string][] = [
  ['name', 'Name'],
  ['status', 'Status'],
  ['group', 'Group'],
  ['created', 'Created'],
  ['duration', 'Duration'],
  ['commit', 'Commit'],
];

/**
 * Renders the experiments page into `main`.
 *
 * @param main - the page's container
 * @param route - the current route (filter, status, sort, order, offset in its query)
 * @returns a cleanup function
 * @example
 * ```ts
 * const cleanup = renderExperiments(main, parseRoute(location.hash));
 * ```
 */
export function renderExperiments(main: HTMLElement, route: Route): () => void {
  const p = route.params;
  const state = {
    filter: p.get('filter') ?? '',
    status: p.get('status') ?? '',
    sort: p.get('sort') ?? 'created',
    order: p.get('order') ?? '',
    offset: Number(p.get('offset') ?? 0) || 0,
    archived: p.get('archived') === '1' ? '1' : '',
  };
  const selected = new Set<string>();
  const go = (changes: Partial<typeof state>) => {
    const next = { ...state, ...changes };
    location.hash = link('', '', { filter: next.filter, status: next.status, sort: next.sort === 'created' ? '' : next.sort, order: next.order, offset: next.offset || '', archived: next.archived });
  };

  const input = h('input', { type: 'search', id: 'filter', 'data-testid': 'filter', placeholder: 'filter: params.learning_rate < 0.01 and metrics.addition.accuracy > 0.5', value: state.filter, spellcheck: 'false', autocomplete: 'off' });
  input.value = state.filter;
  const statusSelect = h('select', { 'data-testid': 'status', onchange: () => go({ status: statusSelect.value, offset: 0 }) }, ...['', 'running', 'completed', 'failed', 'killed', 'crashed'].map((s) => h('option', { value: s }, s === '' ? 'any status' : s)));
  statusSelect.value = state.status;
  const archivedBox = h('input', { type: 'checkbox', 'data-testid': 'show-archived', onchange: () => go({ archived: archivedBox.checked ? '1' : '', offset: 0 }) });
  archivedBox.checked = state.archived === '1';
  const compareButton = h('button', { type: 'button', 'data-testid': 'compare-selected', disabled: true, onclick: () => (location.hash = link('compare', [...selected].join(','))) }, 'Compare selected');
  const errorBox = h('pre', { class: 'filter-error', 'data-testid': 'filter-error', hidden: true });
  const summary = h('div', { class: 'muted', 'data-testid': 'summary' }, 'loading…');
  const tableBox = h('div', { class: 'table-box', 'data-testid': 'experiments-box' });
  const pager = h('div', { class: 'pager' });
  const form = h(
    'form',
    { class: 'toolbar', onsubmit: (e: Event) => { e.preventDefault(); go({ filter: input.value.trim(), offset: 0 }); } },
    input,
    statusSelect,
    h('label', { class: 'muted' }, archivedBox, ' show archived'),
    h('button', { type: 'submit' }, 'Apply'),
    compareButton,
  );
  replace(main, h('h1', null, 'Experiments'), form, errorBox, summary, tableBox, pager);

  const updateCompare = () => {
    compareButton.disabled = selected.size < 2;
    compareButton.textContent = `Compare selected (${selected.size})`;
  };
  const controller = new AbortController();
  const started = performance.now();

  void (async () => {
    let page: ExperimentsPage;
    try {
      page = await api<ExperimentsPage>('/api/experiments', { filter: state.filter, status: state.status, sort: state.sort, order: state.order, offset: state.offset, limit: 50, archived: state.archived || undefined }, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof ApiError && error.body.field === 'filter') {
        errorBox.hidden = false;
        errorBox.textContent = error.message;
        input.classList.add('invalid');
        summary.textContent = 'fix the filter to see experiments';
      } else {
        summary.textContent = `could not load experiments: ${(error as Error).message}`;
      }
      return;
    }
    const effectiveOrder = state.order || (state.sort === 'created' ? 'desc' : 'asc');
    const header = (sort: string, label: string) => {
      const active = state.sort === sort;
      const arrow = active ? (effectiveOrder === 'asc' ? ' ▲' : ' ▼') : '';
      return h('th', { class: 'sortable', 'data-sort': sort, onclick: () => go({ sort, order: active ? (effectiveOrder === 'asc' ? 'desc' : 'asc') : sort === 'created' ? 'desc' : 'asc', offset: 0 }) }, label + arrow);
    };
    const rows = page.experiments.map((r) => {
      const box = h('input', { type: 'checkbox', 'aria-label': `select ${r.id}`, onchange: () => { if (box.checked) selected.add(r.id); else selected.delete(r.id); updateCompare(); } });
      return h(
        'tr',
        { 'data-id': r.id },
        h('td', { class: 'run-cell' }, box, ' ', h('a', { href: link('e', r.id), class: 'name' }, r.name), r.tags['archived'] === undefined ? null : h('span', { class: 'tag archived' }, 'archived'), r.name === r.id ? null : h('div', { class: 'id muted' }, r.id)),
        h('td', null, h('span', { class: `status status-${r.status}` }, r.status)),
        h('td', null, r.group ?? ''),
        h('td', { class: 'nowrap' }, fmtDate(r.createdAt)),
        h('td', { class: 'num' }, fmtDuration(r.durationMs)),
        h('td', { class: 'mono' }, r.git === null ? '' : `${r.git.commit.slice(0, 8)}${r.git.dirty ? '*' : ''}`),
        ...page.metricColumns.map((k) => h('td', { class: 'num' }, r.metrics[k] === undefined ? '' : fmt(r.metrics[k]))),
      );
    });
    replace(
      tableBox,
      h(
        'table',
        { class: 'grid sticky-first', 'data-testid': 'experiments' },
        h('thead', null, h('tr', null, ...COLUMNS.map(([s, l]) => header(s, l)), ...page.metricColumns.map((k) => header(`metric:${k}`, k)))),
        h('tbody', null, ...rows),
      ),
    );
    const last = page.offset + page.experiments.length;
    summary.textContent =
      page.total === 0 ? (state.filter || state.status ? 'no experiments match' : 'no experiments yet') : `${page.offset + 1}–${last} of ${page.total.toLocaleString()} experiments`;
    replace(
      pager,
      page.offset > 0 ? h('a', { href: '#', onclick: (e: Event) => { e.preventDefault(); go({ offset: Math.max(0, page.offset - page.limit) }); } }, '← previous page') : null,
      last < page.total ? h('a', { href: '#', onclick: (e: Event) => { e.preventDefault(); go({ offset: page.offset + page.limit }); } }, 'next page →') : null,
    );
    updateCompare();
    main.dataset.ready = String(Math.round(performance.now() - started));
  })();
  return () => controller.abort();
}
