/// <reference lib="dom" />
/**
 * Runs side by side: the curves of every metric overlaid, config differences, metrics with the
 * significance of each difference against the baseline, and the per-sample view: the items A gets
 * right and B wrong (and the reverse), with the prompt, both outputs and the gold answer.
 * @module
 */
import type { ComparisonResult } from 'exptrack/analysis';
import type { SamplePair } from '../api.js';
import { api } from './client.js';
import { MetricChart, PALETTE } from './chart.js';
import { fmt, fmtValue, formatEstimateParts, h, replace } from './dom.js';
import { chartControls, metricFetcher, type ChartSettings } from './experiment-page.js';
import { link, type Route } from './route.js';

type Comparison = ComparisonResult & { metricKeys: string[]; sharedBenchmarks: string[] };

interface SamplesPage {
  counts: Record<string, number>;
  total: number;
  offset: number;
  limit: number;
  rows: SamplePair[];
}

/**
 * Renders the compare page.
 *
 * @param main - the page's container
 * @param route - the route (its arg lists the ids; the first is the baseline)
 * @returns a cleanup function
 * @example
 * ```ts
 * renderCompare(main, parseRoute('#/compare/exp_1,exp_2'));
 * ```
 */
export function renderCompare(main: HTMLElement, route: Route): () => void {
  const ids = route.arg.split(',').filter((s) => s !== '');
  const charts: MetricChart[] = [];
  const settings: ChartSettings = { logScale: false, smoothing: 0 };
  replace(main, h('h1', null, 'Compare'), h('p', { class: 'muted' }, 'loading…'));
  let stopped = false;
  void (async () => {
    let c: Comparison;
    try {
      c = await api<Comparison>('/api/compare', { ids: ids.join(',') });
    } catch (error) {
      replace(main, h('h1', null, 'Compare'), h('p', { class: 'error' }, (error as Error).message));
      return;
    }
    if (stopped) return;
    const names = c.experiments.map((e) => (e.name === e.id ? e.id : e.name));
    const chartsBox = h('div', { class: 'charts', 'data-testid': 'compare-charts' });
    const samplesBox = h('section', { 'data-testid': 'samples' });
    replace(
      main,
      h('h1', null, `Compare ${c.experiments.length} runs`),
      h('ul', { class: 'legend' }, ...c.experiments.map((e, i) => h('li', null, h('span', { class: 'swatch', 'data-color': i }), h('a', { href: link('e', e.id) }, names[i] ?? e.id), ` ${i === 0 ? '(baseline, A)' : i === 1 ? '(B)' : ''} `, h('span', { class: 'muted mono' }, e.id)))),
      metricsSection(c, names),
      configSection(c, names),
      h('section', null, h('h2', null, 'Training curves'), chartControls(settings, () => charts.forEach((ch) => void ch.update(settings))), chartsBox),
      samplesBox,
    );
    for (const [i, swatch] of Array.from(main.querySelectorAll<HTMLElement>('.swatch')).entries()) swatch.style.background = PALETTE[i % PALETTE.length] as string;
    if (c.metricKeys.length === 0) chartsBox.append(h('p', { class: 'muted' }, 'no training metrics logged'));
    for (const key of c.metricKeys) {
      const sources = c.experiments.map((e, i) => ({ label: names[i] ?? e.id, color: PALETTE[i % PALETTE.length] as string, fetch: metricFetcher(e.id, key) }));
      const chart = new MetricChart(chartsBox, { title: key, sources: sources.map((s) => ({ ...s, fetch: (r: Parameters<typeof s.fetch>[0]) => s.fetch(r).catch(() => ({ x: [], y: [], total: 0, inWindow: 0, nonFinite: 0, method: 'none', status: '' })) })), ...settings, showRaw: false });
      charts.push(chart);
      void chart.load();
    }
    renderSamples(samplesBox, c, names, route);
  })();
  return () => {
    stopped = true;
    charts.forEach((ch) => ch.destroy());
  };
}

function metricsSection(c: Comparison, names: string[]): HTMLElement {
  if (c.metrics.length === 0) return h('section', null, h('h2', null, 'Metrics'), h('p', { class: 'muted' }, 'no metrics in common'));
  const label = (m: Comparison['metrics'][number]) => (m.benchmark === null ? m.metric : `${m.benchmark}/${m.metric}`);
  return h(
    'section',
    null,
    h('h2', null, 'Metrics'),
    h('p', { class: 'muted' }, `★ best; differences tested against the baseline at alpha = ${c.alpha}, p-values adjusted: ${c.adjust}`),
    h(
      'div',
      { class: 'table-box', 'data-testid': 'compare-metrics-box' },
      h(
        'table',
        { class: 'grid sticky-first', 'data-testid': 'compare-metrics' },
        h('thead', null, h('tr', null, h('th', null, 'metric'), ...names.map((n, i) => h('th', null, i === 0 ? `${n} (baseline)` : n)), ...names.slice(1).map((n) => h('th', null, `Δ ${n} vs baseline`)))),
        h(
          'tbody',
          null,
          ...c.metrics.map((m) =>
            h(
              'tr',
              null,
              h('td', null, `${label(m)}${m.better === null ? '' : m.better === 'higher' ? ' ↑' : ' ↓'}`),
              ...m.values.map((v, i) => {
                const se = m.standardErrors[i];
                const best = m.winner !== null && c.experiments[i]?.id === m.winner;
                const [value, error] = formatEstimateParts(v, se);
                return h('td', { class: best ? 'num best' : 'num' }, value, se === null || se === undefined ? null : h('span', { class: 'muted' }, ` ± ${error}`), best ? ' ★' : null);
              }),
              ...m.deltas.slice(1).map((d, j) => {
                const s = m.significance[j + 1];
                const adjusted = m.adjustedPValues[j + 1];
                const note = m.notes[j + 1];
                if (d === null) return h('td', { class: 'muted' }, note ?? '–');
                const p = adjusted ?? s?.pValue;
                return h(
                  'td',
                  { class: 'num' },
                  `${d.difference >= 0 ? '+' : ''}${fmt(d.difference)}`,
                  d.relative === null ? null : h('span', { class: 'muted' }, ` (${(d.relative * 100).toFixed(1)}%)`),
                  s === null || s === undefined
                    ? h('div', { class: 'muted small' }, note ?? 'not tested')
                    : h(
                        'div',
                        { class: `small ${p !== undefined && p < c.alpha ? 'significant' : 'muted'}` },
                        `p = ${fmt(s.pValue)}${adjusted === null || adjusted === undefined ? '' : `, adj ${fmt(adjusted)}`} · ${s.method}${s.paired ? ` (${s.n} paired)` : ''} · ${p !== undefined && p < c.alpha ? 'significant' : 'not significant'}`,
                        h('div', null, `CI [${fmt(s.ci[0])}, ${fmt(s.ci[1])}]`),
                      ),
                );
              }),
            ),
          ),
        ),
      ),
    ),
  );
}

function configSection(c: Comparison, names: string[]): HTMLElement {
  return h(
    'section',
    null,
    h('h2', null, 'Config differences'),
    c.configDifferences.length === 0
      ? h('p', { class: 'muted' }, 'none: the configs are the same')
      : h(
          'table',
          { class: 'grid', 'data-testid': 'config-diff' },
          h('thead', null, h('tr', null, h('th', null, 'key'), ...names.map((n) => h('th', null, n)))),
          h('tbody', null, ...c.configDifferences.map((d) => h('tr', null, h('td', { class: 'mono' }, d.key), ...d.values.map((v) => h('td', null, fmtValue(v)))))),
        ),
  );
}

const VIEW_LABELS: [string, string][] = [
  ['differ', 'A and B disagree'],
  ['a_only', 'A right, B wrong'],
  ['b_only', 'B right, A wrong'],
  ['both_wrong', 'both wrong'],
  ['both_right', 'both right'],
  ['all', 'all items'],
];

function renderSamples(box: HTMLElement, c: Comparison, names: string[], route: Route): void {
  const [a, b] = c.experiments;
  if (a === undefined || b === undefined) return;
  if (c.sharedBenchmarks.length === 0) {
    replace(box, h('h2', null, 'Per-sample view'), h('p', { class: 'muted' }, 'the runs have no benchmark in common'));
    return;
  }
  const state = { benchmark: route.params.get('benchmark') ?? c.sharedBenchmarks[0] ?? '', view: route.params.get('view') ?? 'differ', q: '', offset: 0 };
  const benchmarkSelect = h('select', { 'data-testid': 'sample-benchmark', onchange: () => { state.benchmark = benchmarkSelect.value; state.offset = 0; void load(); } }, ...c.sharedBenchmarks.map((x) => h('option', { value: x }, x)));
  benchmarkSelect.value = state.benchmark;
  const viewSelect = h('select', { 'data-testid': 'sample-view', onchange: () => { state.view = viewSelect.value; state.offset = 0; void load(); } });
  const search = h('input', { type: 'search', placeholder: 'search id, prompt, outputs, gold', 'data-testid': 'sample-search' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = search.value; state.offset = 0; void load(); }, 250);
  });
  const summary = h('div', { class: 'muted', 'data-testid': 'sample-summary' });
  const list = h('div');
  const nameA = names[0] ?? a.id;
  const nameB = names[1] ?? b.id;
  replace(box, h('h2', null, `Per-sample view: A = ${nameA}, B = ${nameB}`), h('div', { class: 'toolbar' }, benchmarkSelect, viewSelect, search), summary, list);

  const mark = (v: boolean | null | undefined) => (v === true ? h('span', { class: 'right' }, '✓ right') : v === false ? h('span', { class: 'wrong' }, '✗ wrong') : h('span', { class: 'muted' }, 'not scored'));
  const answer = (s: SamplePair['a']) =>
    s === null
      ? h('td', { class: 'muted' }, 'no answer')
      : h('td', null, mark(s.correct), s.extracted === null || s.extracted === s.output ? null : h('div', { class: 'small' }, 'extracted: ', h('code', null, s.extracted)), s.error === null ? null : h('div', { class: 'error small' }, s.error), h('pre', { class: 'output' }, s.output ?? ''));

  const load = async () => {
    let page: SamplesPage;
    try {
      page = await api<SamplesPage>('/api/compare/samples', { a: a.id, b: b.id, benchmark: state.benchmark, view: state.view, q: state.q, offset: state.offset, limit: 50 });
    } catch (error) {
      summary.textContent = (error as Error).message;
      list.replaceChildren();
      return;
    }
    replace(viewSelect, ...VIEW_LABELS.map(([v, l]) => h('option', { value: v }, `${l} (${v === 'differ' ? (page.counts.a_only ?? 0) + (page.counts.b_only ?? 0) : page.counts[v] ?? 0})`)));
    viewSelect.value = state.view;
    summary.textContent = `${page.total} item${page.total === 1 ? '' : 's'}${page.total > page.rows.length ? `, showing ${page.offset + 1}–${page.offset + page.rows.length}` : ''}` + (page.counts.unscored ? ` · ${page.counts.unscored} not scored in one run` : '') + (page.counts.unpaired ? ` · ${page.counts.unpaired} only in one run` : '');
    replace(
      list,
      h(
        'table',
        { class: 'grid samples', 'data-testid': 'sample-rows' },
        h('thead', null, h('tr', null, h('th', null, 'item'), h('th', null, 'prompt'), h('th', null, `A: ${nameA}`), h('th', null, `B: ${nameB}`), h('th', null, 'gold'))),
        h('tbody', null, ...page.rows.map((r) => h('tr', { 'data-sample': r.id }, h('td', { class: 'mono' }, r.id, r.attempt > 0 ? ` #${r.attempt}` : ''), h('td', null, h('pre', { class: 'output' }, r.prompt ?? '')), answer(r.a), answer(r.b), h('td', null, h('code', null, r.gold ?? ''))))),
      ),
      h(
        'div',
        { class: 'pager' },
        page.offset > 0 ? h('button', { type: 'button', onclick: () => { state.offset = Math.max(0, page.offset - page.limit); void load(); } }, '← previous') : null,
        page.offset + page.rows.length < page.total ? h('button', { type: 'button', onclick: () => { state.offset = page.offset + page.limit; void load(); } }, 'next →') : null,
      ),
    );
  };
  void load();
}
